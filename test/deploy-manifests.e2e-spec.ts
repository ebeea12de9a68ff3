import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/app-config';
import { Readiness } from '../src/health/readiness';
import { freePort } from './support/free-port';
import { variablesTheServiceReads, variablesTheServiceReadsFromFiles } from './support/service-variables';
import { startTestApp, TestApp } from './support/test-app';

/**
 * deploy/kubernetes checked against the code, without a cluster or kubectl:
 * every file is parsed, the base's objects are read as the kustomization
 * lists them, and the overlays' patches are checked to land on them (not
 * applied). What the containers are told (variables, ports, paths, files)
 * must be what the service reads, listens on, serves and opens.
 */

const ROOT = join(__dirname, '..');
const MANIFESTS = join(ROOT, 'deploy', 'kubernetes');
const BASE = join(MANIFESTS, 'base');
const OVERLAYS = join(MANIFESTS, 'overlays');
const FILE_SUFFIX = '_FILE';

/** Stand-ins for what the Secrets hold, good enough for the production checks of the configuration. */
const SECRET_SAMPLES: Record<string, () => string> = {
  DATABASE_URL: () => 'postgres://auth:secret@postgres.invalid:5432/auth',
  REDIS_URL: () => 'redis://:secret@redis.invalid:6379',
  MFA_ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
  METRICS_TOKEN: () => randomBytes(32).toString('hex'),
  SMTP_URL: () => 'smtp://auth:secret@smtp.invalid:587',
};

// --- reading the files ----------------------------------------------------------

interface Manifest {
  /** Relative to deploy/kubernetes. */
  file: string;
  object: any;
}

function yamlFilesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Every document of a file (`---` separated); a syntax error fails. */
function documentsOf(path: string): any[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${relative(MANIFESTS, path)}: ${document.errors[0].message}`);
    const object: unknown = document.toJS();
    return object === null || object === undefined ? [] : [object];
  });
}

function manifestsIn(path: string): Manifest[] {
  return documentsOf(path).map((object) => ({ file: relative(MANIFESTS, path), object }));
}

function kustomization(directory: string): any {
  const [object] = documentsOf(join(directory, 'kustomization.yaml'));
  return object;
}

/** What `kubectl apply -k base` would create, before any overlay. */
function baseObjects(): any[] {
  return (kustomization(BASE).resources as string[]).flatMap((resource) => documentsOf(join(BASE, resource)));
}

/** The Secrets shown by example in base: not resources, but the keys the real ones must have. */
function exampleSecrets(): Map<string, Set<string>> {
  const listed = new Set(kustomization(BASE).resources as string[]);
  const secrets = yamlFilesUnder(BASE)
    .filter((path) => !listed.has(relative(BASE, path)) && basename(path) !== 'kustomization.yaml')
    .flatMap((path) => documentsOf(path))
    .filter((object) => object.kind === 'Secret');
  return new Map(secrets.map((secret) => [secret.metadata.name, new Set(Object.keys({ ...secret.data, ...secret.stringData }))]));
}

function overlayDirectories(): string[] {
  return readdirSync(OVERLAYS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(OVERLAYS, entry.name));
}

// --- reading the objects ------------------------------------------------------------

interface Workload {
  kind: string;
  name: string;
  pod: any;
  podLabels: Record<string, string>;
}

function workloads(objects: any[]): Workload[] {
  return objects
    .filter((object) => object.kind === 'Deployment' || object.kind === 'Job')
    .map((object) => ({ kind: object.kind, name: object.metadata.name, pod: object.spec.template.spec, podLabels: object.spec.template.metadata.labels ?? {} }));
}

function theOne(objects: any[], kind: string): any {
  const found = objects.filter((object) => object.kind === kind);
  if (found.length !== 1) throw new Error(`base has ${found.length} ${kind} objects; this suite expects one`);
  return found[0];
}

/** The variables a container is given, as the kubelet sets them: envFrom first, then env (which wins); undefined for values from elsewhere. */
function environmentOf(container: any, objects: any[]): Map<string, string | undefined> {
  const variables = new Map<string, string | undefined>();
  for (const source of container.envFrom ?? []) {
    const prefix: string = source.prefix ?? '';
    if (source.configMapRef) {
      const configMap = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === source.configMapRef.name);
      if (!configMap) throw new Error(`envFrom names the ConfigMap ${source.configMapRef.name}, which base does not have`);
      for (const [name, value] of Object.entries<string>(configMap.data ?? {})) variables.set(prefix + name, value);
    }
    if (source.secretRef) for (const key of exampleSecrets().get(source.secretRef.name) ?? []) variables.set(prefix + key, undefined);
  }
  for (const variable of container.env ?? []) variables.set(variable.name, variable.value);
  return variables;
}

/** The environment the service would see: every `X_FILE` replaced by `X` with a sample of what its file holds. */
function resolvedEnvironment(variables: Map<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of variables) {
    if (name.endsWith(FILE_SUFFIX)) {
      const secret = name.slice(0, -FILE_SUFFIX.length);
      if (!SECRET_SAMPLES[secret]) throw new Error(`${name}: add a sample of ${secret} to SECRET_SAMPLES`);
      env[secret] = SECRET_SAMPLES[secret]();
    } else if (value !== undefined) env[name] = value;
  }
  return env;
}

/** The container port a probe, or a Service's targetPort, names (by name or by number). */
function containerPort(container: any, port: string | number): number | undefined {
  const ports: Array<{ name?: string; containerPort: number }> = container.ports ?? [];
  return ports.find((candidate) => (typeof port === 'number' ? candidate.containerPort === port : candidate.name === port))?.containerPort;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
}

const PROBES = ['startupProbe', 'livenessProbe', 'readinessProbe'] as const;

/** Seconds a `preStop` hook holds SIGTERM back: `sleep N` as a command, or the `sleep` action. */
function preStopSeconds(container: any): number {
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep) return Number(preStop.sleep.seconds);
  const command: string[] = preStop.exec?.command ?? [];
  const sleep = /(?:^|\s)sleep\s+(\d+)\b/.exec(command.join(' '));
  if (!sleep) throw new Error(`preStop ${JSON.stringify(preStop)}: cannot tell how long it takes`);
  return Number(sleep[1]);
}

// --- the checks ---------------------------------------------------------------------------

describe('deploy/kubernetes', () => {
  it('parses as YAML, every document of every file', () => {
    const manifests = yamlFilesUnder(MANIFESTS).flatMap(manifestsIn);
    expect(manifests.length).toBeGreaterThan(8);
    for (const { file, object } of manifests) expect({ file, kind: typeof object.kind }).toEqual({ file, kind: 'string' });
  });

  describe('kustomizations', () => {
    const kustomizationDirectories = () => [BASE, ...overlayDirectories()];

    it('list resources and patches that exist', () => {
      for (const directory of kustomizationDirectories()) {
        const { resources = [], patches = [] } = kustomization(directory);
        for (const resource of resources as string[]) {
          const path = join(directory, resource);
          const exists = existsSync(path) && (statSync(path).isFile() || existsSync(join(path, 'kustomization.yaml')));
          expect({ in: relative(MANIFESTS, directory), resource, exists }).toEqual({ in: relative(MANIFESTS, directory), resource, exists: true });
        }
        for (const { path } of patches as Array<{ path?: string }>) {
          if (path) expect({ patch: path, exists: existsSync(join(directory, path)) }).toEqual({ patch: path, exists: true });
        }
      }
    });

    it('base lists every manifest of its folder but the example Secrets, and no Secret', () => {
      const listed: string[] = kustomization(BASE).resources;
      const manifests = yamlFilesUnder(BASE)
        .map((path) => relative(BASE, path))
        .filter((file) => file !== 'kustomization.yaml');
      const examples = manifests.filter((file) => documentsOf(join(BASE, file)).every((object) => object.kind === 'Secret'));
      expect(examples.length).toBeGreaterThan(0);
      expect([...listed].sort()).toEqual(manifests.filter((file) => !examples.includes(file)).sort());
      expect(baseObjects().filter((object) => object.kind === 'Secret')).toEqual([]);
    });

    it("the overlays' patches, images and replicas land on what base has", () => {
      const objects = baseObjects();
      const containersOf = (kind: string, name: string): string[] =>
        workloads(objects)
          .filter((workload) => workload.kind === kind && workload.name === name)
          .flatMap((workload) => (workload.pod.containers as Array<{ name: string }>).map((container) => container.name));
      const images = new Set(workloads(objects).flatMap((workload) => (workload.pod.containers as Array<{ image: string }>).map((container) => container.image)));
      for (const overlay of overlayDirectories()) {
        const { patches = [], images: imageChanges = [], replicas = [] } = kustomization(overlay);
        expect(patches.length + imageChanges.length + replicas.length).toBeGreaterThan(0);
        for (const patch of patches as Array<{ path?: string; patch?: string; target?: { kind: string; name: string } }>) {
          const bodies = patch.path ? documentsOf(join(overlay, patch.path)) : parseAllDocuments(patch.patch ?? '').map((document) => document.toJS());
          const targets = patch.target ? [patch.target] : bodies.map((body) => ({ kind: body.kind, name: body.metadata?.name }));
          for (const { kind, name } of targets) {
            const found = objects.some((object) => object.kind === kind && object.metadata.name === name);
            expect({ overlay: basename(overlay), patches: `${kind}/${name}`, found }).toEqual({
              overlay: basename(overlay),
              patches: `${kind}/${name}`,
              found: true,
            });
          }
          // A strategic merge naming a container base lacks would add a container, not change one.
          for (const body of patch.target ? [] : bodies) {
            for (const container of (body.spec?.template?.spec?.containers ?? []) as Array<{ name: string }>) {
              expect(containersOf(body.kind, body.metadata.name)).toContain(container.name);
            }
          }
        }
        for (const { name } of imageChanges as Array<{ name: string }>) expect([...images]).toContain(name);
        for (const { name } of replicas as Array<{ name: string }>) {
          expect(objects.filter((object) => object.kind === 'Deployment').map((object) => object.metadata.name)).toContain(name);
        }
      }
    });
  });

  describe('the containers', () => {
    let read: Set<string>;
    let readFromFiles: Set<string>;
    beforeAll(() => {
      read = variablesTheServiceReads();
      readFromFiles = variablesTheServiceReadsFromFiles();
    });

    /** X_FILE is read when X is, and, if the service looks the file forms up name by name, when X_FILE is one it looks up. */
    const isRead = (variable: string): boolean => {
      if (!variable.endsWith(FILE_SUFFIX)) return read.has(variable);
      const secret = variable.slice(0, -FILE_SUFFIX.length);
      return read.has(secret) && (readFromFiles.size === 0 || readFromFiles.has(secret));
    };

    it('are given only variables the service reads (X for X_FILE)', () => {
      const objects = baseObjects();
      const unread = workloads(objects).flatMap(({ name, pod }) =>
        (pod.containers as any[]).flatMap((container) =>
          [...environmentOf(container, objects).keys()].filter((variable) => !isRead(variable)).map((variable) => `${name}/${container.name}: ${variable}`),
        ),
      );
      expect(unread).toEqual([]);
    });

    it('are given a configuration that passes the production checks', () => {
      const objects = baseObjects();
      const refused: string[] = [];
      for (const { name, pod } of workloads(objects)) {
        for (const container of pod.containers) {
          const env = resolvedEnvironment(environmentOf(container, objects));
          expect(env.NODE_ENV).toBe('production');
          try {
            loadConfig(env);
          } catch (error) {
            refused.push(`${name}/${container.name}: ${(error as Error).message}`);
          }
        }
      }
      expect(refused).toEqual([]);
    });

    it('run as uid 1000, never root, on a read-only root filesystem, without privileges, capabilities or an unconfined seccomp', () => {
      for (const { name, pod } of workloads(baseObjects())) {
        expect({ name, pod: pod.securityContext }).toMatchObject({ name, pod: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } } });
        for (const container of pod.containers) {
          expect({ name, container: container.securityContext }).toMatchObject({
            name,
            container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          });
          expect(container.securityContext.runAsUser ?? 1000).toBe(1000);
          expect(container.securityContext.privileged ?? false).toBe(false);
        }
      }
    });

    it('may write only to emptyDirs: /tmp everywhere, and DATA_DIR in the service', () => {
      const objects = baseObjects();
      for (const { kind, name, pod } of workloads(objects)) {
        for (const container of pod.containers) {
          const writable = (container.volumeMounts ?? [])
            .filter((mount: any) => !mount.readOnly)
            .map((mount: any) => ({ path: mount.mountPath, volume: (pod.volumes as any[]).find((volume) => volume.name === mount.name) }));
          for (const { path, volume } of writable) expect({ name, path, emptyDir: Boolean(volume?.emptyDir) }).toEqual({ name, path, emptyDir: true });
          const paths = writable.map(({ path }: { path: string }) => path);
          expect(paths).toContain('/tmp');
          if (kind === 'Deployment') expect(paths).toContain(environmentOf(container, objects).get('DATA_DIR'));
        }
      }
    });

    it('ask for CPU and memory, and are limited in both', () => {
      for (const { name, pod } of workloads(baseObjects())) {
        for (const container of pod.containers) {
          expect({ name, resources: container.resources }).toMatchObject({
            name,
            resources: { requests: { cpu: expect.anything(), memory: expect.anything() }, limits: { cpu: expect.anything(), memory: expect.anything() } },
          });
        }
      }
    });
  });

  describe('migrations', () => {
    it('are left to the Job by the Deployment (MIGRATIONS_RUN=false)', () => {
      const objects = baseObjects();
      const [container] = theOne(objects, 'Deployment').spec.template.spec.containers;
      expect(environmentOf(container, objects).get('MIGRATIONS_RUN')).toBe('false');
    });

    it('run in a Job of the same image, with a compiled command-line tool that exists, never restarted in place', () => {
      const objects = baseObjects();
      const job = theOne(objects, 'Job');
      const [server] = theOne(objects, 'Deployment').spec.template.spec.containers;
      const [migrate] = job.spec.template.spec.containers;
      expect(migrate.image).toBe(server.image);
      const [node, script, ...rest] = [...(migrate.command ?? []), ...(migrate.args ?? [])] as string[];
      expect({ node, rest }).toEqual({ node: 'node', rest: [] });
      expect(script).toMatch(/^dist\/cli\/[\w-]+\.js$/);
      expect(existsSync(join(ROOT, 'src', 'cli', `${basename(script, '.js')}.ts`))).toBe(true);
      expect(['Never', 'OnFailure']).toContain(job.spec.template.spec.restartPolicy);
    });

    it('run before the rollout under Argo CD, after the configuration they read', () => {
      const objects = baseObjects();
      const job = theOne(objects, 'Job');
      const wave = (object: any) => Number(object.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
      const hook = job.metadata.annotations?.['argocd.argoproj.io/hook'];
      // Not PreSync: that runs before any resource is applied, and the ConfigMap of a first sync would not exist yet.
      expect(hook).toBe('Sync');
      expect(job.metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
      const configMaps = job.spec.template.spec.containers.flatMap((container: any) =>
        (container.envFrom ?? []).filter((source: any) => source.configMapRef).map((source: any) => source.configMapRef.name),
      );
      for (const name of configMaps) {
        expect(wave(objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === name))).toBeLessThan(wave(job));
      }
      expect(wave(job)).toBeLessThan(wave(theOne(objects, 'Deployment')));
    });

    it('run before the rollout with kubectl: the documented selector picks the Job and the ConfigMaps it reads, nothing else', () => {
      const objects = baseObjects();
      const guide = readFileSync(join(ROOT, 'docs', 'OPERATIONS.md'), 'utf8');
      const selector = /kubectl apply -k \S+ -l '(app\.kubernetes\.io\/component) in \(([\w,]+)\)'/.exec(guide);
      expect(selector).not.toBeNull();
      const [, label, values] = selector!;
      const picked = objects.filter((object) => values.split(',').includes(object.metadata.labels?.[label]));
      const job = theOne(objects, 'Job');
      const configMaps = job.spec.template.spec.containers.flatMap((container: any) =>
        (container.envFrom ?? []).filter((source: any) => source.configMapRef).map((source: any) => `ConfigMap/${source.configMapRef.name}`),
      );
      expect(picked.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([`Job/${job.metadata.name}`, ...configMaps].sort());
    });

    it('run in pods the Service and the PodDisruptionBudget do not select', () => {
      const objects = baseObjects();
      const jobPods = workloads(objects).filter((workload) => workload.kind === 'Job');
      for (const selector of [theOne(objects, 'Service').spec.selector, theOne(objects, 'PodDisruptionBudget').spec.selector.matchLabels]) {
        for (const { podLabels } of jobPods) expect(matches(selector, podLabels)).toBe(false);
      }
    });
  });

  describe('ports', () => {
    const serviceContainer = (objects: any[]) => theOne(objects, 'Deployment').spec.template.spec.containers[0];
    const configuredPorts = (objects: any[]) => {
      const config = loadConfig(resolvedEnvironment(environmentOf(serviceContainer(objects), objects)));
      return { http: config.port, metrics: config.metrics.port ?? config.port };
    };

    it('of the container are PORT (http) and METRICS_PORT (metrics)', () => {
      const objects = baseObjects();
      const { http, metrics } = configuredPorts(objects);
      expect(metrics).not.toBe(http);
      expect(serviceContainer(objects).ports).toEqual([
        { name: 'http', containerPort: http },
        { name: 'metrics', containerPort: metrics },
      ]);
    });

    it('the probes ask for are PORT, where /health is served', () => {
      const objects = baseObjects();
      const container = serviceContainer(objects);
      for (const probe of PROBES) {
        expect({ probe, port: containerPort(container, container[probe]?.httpGet?.port) }).toEqual({ probe, port: configuredPorts(objects).http });
      }
    });

    it('of the Service lead to container ports of the pods it selects', () => {
      const objects = baseObjects();
      const deployment = theOne(objects, 'Deployment');
      const service = theOne(objects, 'Service');
      expect(matches(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
      expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
      for (const port of service.spec.ports) {
        expect({ port: port.name, leadsTo: containerPort(serviceContainer(objects), port.targetPort ?? port.port) }).toEqual({
          port: port.name,
          leadsTo: expect.any(Number),
        });
      }
    });

    it('the ServiceMonitor scrapes are a Service port leading to METRICS_PORT, with the metrics token', () => {
      const objects = baseObjects();
      const service = theOne(objects, 'Service');
      const monitor = theOne(objects, 'ServiceMonitor');
      expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
      expect(monitor.spec.endpoints.length).toBeGreaterThan(0);
      for (const endpoint of monitor.spec.endpoints) {
        const servicePort = service.spec.ports.find((port: any) => port.name === endpoint.port);
        expect(servicePort).toBeDefined();
        expect(containerPort(serviceContainer(objects), servicePort.targetPort ?? servicePort.port)).toBe(configuredPorts(objects).metrics);
        const token = endpoint.authorization?.credentials ?? endpoint.bearerTokenSecret;
        expect(endpoint.authorization?.type ?? 'Bearer').toBe('Bearer');
        expect(exampleSecrets().get(token?.name)).toContain(token?.key);
        const env = resolvedEnvironment(environmentOf(serviceContainer(objects), objects));
        expect(Object.keys(env)).toContain(token.key);
      }
    });

    it('keep at least one pod through a voluntary disruption, and allow one to go', () => {
      const objects = baseObjects();
      const deployment = theOne(objects, 'Deployment');
      const budget = theOne(objects, 'PodDisruptionBudget');
      expect(matches(budget.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
      expect(budget.spec.minAvailable).toBeGreaterThanOrEqual(1);
      const replicaCounts = [
        deployment.spec.replicas,
        ...overlayDirectories().flatMap((overlay) =>
          ((kustomization(overlay).replicas ?? []) as Array<{ name: string; count: number }>)
            .filter(({ name }) => name === deployment.metadata.name)
            .map(({ count }) => count),
        ),
      ];
      for (const replicas of replicaCounts) expect(replicas).toBeGreaterThan(budget.spec.minAvailable);
    });
  });

  describe('files from Secrets', () => {
    /** Each file a container is told to read (`X_FILE`), with the Secret and key it comes from, if from a Secret volume. */
    function secretFiles(): Array<{ where: string; variable: string; path: string; secret?: string; key?: string; mount?: any }> {
      const objects = baseObjects();
      return workloads(objects).flatMap(({ name, pod }) =>
        (pod.containers as any[]).flatMap((container) =>
          [...environmentOf(container, objects)]
            .filter(([variable]) => variable.endsWith(FILE_SUFFIX))
            .map(([variable, path = '']) => {
              const mount = (container.volumeMounts ?? []).find((candidate: any) => candidate.mountPath === posix.dirname(path));
              const volume = (pod.volumes ?? []).find((candidate: any) => candidate.name === mount?.name);
              const file = posix.basename(path);
              const key: string | undefined = volume?.secret?.items ? volume.secret.items.find((item: any) => item.path === file)?.key : file;
              return { where: `${name}/${container.name}`, variable, path, secret: volume?.secret?.secretName, key, mount };
            }),
        ),
      );
    }

    it('every X_FILE is a key of a Secret mounted read-only, and the example Secret has that key', () => {
      const files = secretFiles();
      expect(files.length).toBeGreaterThan(0);
      for (const { where, variable, secret, key, mount } of files) {
        expect({ where, variable, secret: typeof secret, readOnly: mount?.readOnly, subPath: mount?.subPath }).toEqual({
          where,
          variable,
          secret: 'string',
          readOnly: true,
          subPath: undefined,
        });
        expect({ variable, keys: [...(exampleSecrets().get(secret!) ?? [])] }).toEqual({ variable, keys: expect.arrayContaining([key]) });
      }
    });

    it('every Secret mounted is the signing keys or shown by example, with every key a volume picks', () => {
      const objects = baseObjects();
      const examples = exampleSecrets();
      const { pod } = workloads(objects).find((workload) => workload.kind === 'Deployment')!;
      const keysDir = loadConfig(resolvedEnvironment(environmentOf(pod.containers[0], objects))).jwt.keysDir;
      const keysVolume = pod.containers[0].volumeMounts.find((mount: any) => mount.mountPath === keysDir)?.name;
      const signingKeys = pod.volumes.find((volume: any) => volume.name === keysVolume)?.secret?.secretName;
      for (const { name, pod: anyPod } of workloads(objects)) {
        for (const { secret } of (anyPod.volumes ?? []).filter((volume: any) => volume.secret)) {
          const known = secret.secretName === signingKeys || examples.has(secret.secretName);
          expect({ name, secret: secret.secretName, known }).toEqual({ name, secret: secret.secretName, known: true });
          for (const { key } of secret.items ?? [])
            expect({ secret: secret.secretName, keys: [...(examples.get(secret.secretName) ?? [])] }).toEqual({
              secret: secret.secretName,
              keys: expect.arrayContaining([key]),
            });
        }
      }
    });

    it('the signing keys are JWT_KEYS_DIR: a whole Secret, read-only, never a subPath (rotated keys must reach running pods)', () => {
      const objects = baseObjects();
      const { pod } = workloads(objects).find((workload) => workload.kind === 'Deployment')!;
      const [container] = pod.containers;
      const keysDir = loadConfig(resolvedEnvironment(environmentOf(container, objects))).jwt.keysDir;
      const mount = container.volumeMounts.find((candidate: any) => candidate.mountPath === keysDir);
      const volume = pod.volumes.find((candidate: any) => candidate.name === mount?.name);
      expect({ readOnly: mount?.readOnly, subPath: mount?.subPath, secret: volume?.secret?.secretName, items: volume?.secret?.items }).toEqual({
        readOnly: true,
        subPath: undefined,
        secret: 'auth-signing-keys',
        items: undefined,
      });
      for (const { pod: anyPod } of workloads(objects)) {
        for (const anyContainer of anyPod.containers) {
          for (const anyMount of anyContainer.volumeMounts ?? []) {
            if (anyPod.volumes.find((candidate: any) => candidate.name === anyMount.name)?.secret) expect(anyMount.subPath).toBeUndefined();
          }
        }
      }
    });
  });

  describe('stopping a pod', () => {
    it('gives it longer than preStop + SHUTDOWN_DELAY + SHUTDOWN_GRACE before SIGKILL, with a delay to leave the load balancers', () => {
      const objects = baseObjects();
      const deployment = theOne(objects, 'Deployment');
      const [container] = deployment.spec.template.spec.containers;
      const config = loadConfig(resolvedEnvironment(environmentOf(container, objects)));
      expect(config.shutdownDelaySeconds).toBeGreaterThan(0);
      expect(preStopSeconds(container)).toBeGreaterThan(0);
      const needed = preStopSeconds(container) + config.shutdownDelaySeconds + config.shutdownGraceSeconds;
      // Kubernetes' default, when the field is left out.
      const granted = deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30;
      expect(granted).toBeGreaterThan(needed);
    });
  });

  describe('the paths the probes and the scrape ask for', () => {
    const METRICS_TOKEN = randomBytes(24).toString('hex');
    let testApp: TestApp;
    let metricsPort: number;

    beforeAll(async () => {
      metricsPort = await freePort();
      testApp = await startTestApp({ HOST: '127.0.0.1', METRICS_PORT: String(metricsPort), METRICS_TOKEN });
    });
    afterAll(() => testApp?.close());

    /** The app's answer on the port the manifests' PORT or METRICS_PORT stands for. */
    function get(manifestPort: 'http' | 'metrics', path: string, headers: Record<string, string> = {}): Promise<Response> {
      const base = manifestPort === 'http' ? testApp.url : `http://127.0.0.1:${metricsPort}`;
      return fetch(base + path, { headers });
    }

    /** Which of the manifests' ports a container port is. */
    function manifestPortOf(number: number | undefined): 'http' | 'metrics' {
      const objects = baseObjects();
      const config = loadConfig(resolvedEnvironment(environmentOf(theOne(objects, 'Deployment').spec.template.spec.containers[0], objects)));
      if (number === config.port) return 'http';
      if (number === config.metrics.port) return 'metrics';
      throw new Error(`port ${number} is neither PORT nor METRICS_PORT`);
    }

    it('are served: each probe is answered 2xx or 3xx (what the kubelet counts as success)', async () => {
      const container = theOne(baseObjects(), 'Deployment').spec.template.spec.containers[0];
      const failing: string[] = [];
      for (const probe of PROBES) {
        const { path, port } = container[probe].httpGet;
        const { status } = await get(manifestPortOf(containerPort(container, port)), path);
        if (status < 200 || status >= 400) failing.push(`${probe} GET ${path}: ${status}`);
      }
      expect(failing).toEqual([]);
    });

    it('are served: the ServiceMonitor scrape, with the token', async () => {
      const objects = baseObjects();
      const service = theOne(objects, 'Service');
      const container = theOne(objects, 'Deployment').spec.template.spec.containers[0];
      for (const endpoint of theOne(objects, 'ServiceMonitor').spec.endpoints) {
        const servicePort = service.spec.ports.find((port: any) => port.name === endpoint.port);
        const response = await get(manifestPortOf(containerPort(container, servicePort.targetPort)), endpoint.path ?? '/metrics', {
          authorization: `Bearer ${METRICS_TOKEN}`,
        });
        expect({ path: endpoint.path, status: response.status }).toEqual({ path: endpoint.path, status: 200 });
        expect(await response.text()).toContain('auth_build_info');
      }
    });

    // Last: the instance is stopping from here on.
    it('the readiness probe turns 503 once the instance stops (SHUTDOWN_DELAY), while the liveness and startup probes stay up', async () => {
      const container = theOne(baseObjects(), 'Deployment').spec.template.spec.containers[0];
      testApp.app.get(Readiness).beginShutdown();
      expect((await get('http', container.readinessProbe.httpGet.path)).status).toBe(503);
      for (const probe of ['startupProbe', 'livenessProbe']) expect((await get('http', container[probe].httpGet.path)).status).toBe(200);
    });
  });
});
