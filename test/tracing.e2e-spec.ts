import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { ServiceProcess, serviceEnv, sharedKeysDir } from './support/service-process';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { registerUser, TestUser } from './support/users';

/**
 * OpenTelemetry tracing, seen from outside: the service runs as its own
 * process (the SDK patches modules as they load, which a Nest app built inside
 * jest cannot show) and sends its spans to an OTLP receiver of this test.
 * The spans come as OTLP/HTTP JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json,
 * one of the SDK's standard encodings) so the test reads them without protobuf;
 * production may keep the default http/protobuf. PostgreSQL spans need
 * TEST_DATABASE_URL (the embedded database is not node-postgres), Redis spans
 * REDIS_URL.
 */

const LOGIN = '/api/v1/auth/login';
const PROVIDERS = '/api/v1/auth/providers';
const VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

const SPAN_KIND_SERVER = 2;
const HTTP_SCOPE = '@opentelemetry/instrumentation-http';
const FASTIFY_SCOPE = '@opentelemetry/instrumentation-fastify';
const PG_SCOPE = '@opentelemetry/instrumentation-pg';
const IOREDIS_SCOPE = '@opentelemetry/instrumentation-ioredis';

const onPostgres = process.env.TEST_DATABASE_URL ? it : it.skip;
const withRedis = process.env.REDIS_URL ? it : it.skip;

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  scope: string;
  resource: Record<string, unknown>;
}

type OtlpAttributes = Array<{ key: string; value: Record<string, unknown> }>;

/** An OTLP/HTTP endpoint on 127.0.0.1 that keeps every span posted to /v1/traces (JSON encoding), and every body as it came. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly bodies: string[] = [];
  readonly paths: string[] = [];
  private readonly server: Server;

  private constructor() {
    this.server = createServer((request, response) => {
      void this.take(request).then(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
        (error: Error) => response.writeHead(400).end(error.message),
      );
    });
  }

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** OTEL_EXPORTER_OTLP_ENDPOINT: the exporter appends /v1/traces. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  /** The incoming-request span of `traceId`, once it has arrived. */
  serverSpan(traceId: string): ReceivedSpan | undefined {
    return this.trace(traceId).find((span) => span.kind === SPAN_KIND_SERVER && span.scope === HTTP_SCOPE);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async take(request: IncomingMessage): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    this.paths.push(request.url ?? '');
    this.bodies.push(body);
    const { resourceSpans = [] } = JSON.parse(body) as {
      resourceSpans?: Array<{ resource: { attributes: OtlpAttributes }; scopeSpans: Array<{ scope: { name: string }; spans: any[] }> }>;
    };
    for (const { resource, scopeSpans } of resourceSpans) {
      const attributes = Object.fromEntries(resource.attributes.map(({ key, value }) => [key, Object.values(value)[0]]));
      for (const { scope, spans } of scopeSpans) {
        for (const span of spans) {
          this.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: span.kind,
            scope: scope.name,
            resource: attributes,
          });
        }
      }
    }
  }
}

/** A W3C trace context of a caller: a new trace id and the caller's span id. */
function callerContext(): { traceId: string; parentSpanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentSpanId = randomBytes(8).toString('hex');
  return { traceId, parentSpanId, traceparent: `00-${traceId}-${parentSpanId}-01` };
}

/** The JSON lines the process has written so far. */
function logLines(service: ServiceProcess): any[] {
  return service.stdout.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
}

/** The completed-request line of the request `requestId`, once written. */
async function requestLine(service: ServiceProcess, requestId: string): Promise<any> {
  const find = () => logLines(service).find((line) => line.req?.id === requestId && line.msg === 'request completed');
  await eventually(`the log line of request ${requestId}`, () => find() !== undefined);
  return find();
}

describe('tracing (OpenTelemetry, OTLP)', () => {
  let database: TestDatabase;
  let keys: ReturnType<typeof sharedKeysDir>;
  let receiver: OtlpReceiver;

  /** A service process on this suite's database (and Redis, when REDIS_URL is set), with `extra` in its environment. */
  async function startService(extra: Record<string, string>): Promise<ServiceProcess> {
    const redis: Record<string, string> = process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `tracing-${randomUUID()}:` } : {};
    // Rate limits on: they are what a login asks Redis.
    const env = serviceEnv(database.databaseUrl ?? '', keys.dir, { LOG_LEVEL: 'info', RATE_LIMIT_ENABLED: 'true', ...redis, ...extra });
    const service = await ServiceProcess.start(env, await freePort());
    await service.waitUntilReady();
    return service;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    keys = sharedKeysDir();
    receiver = await OtlpReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await database?.drop();
    keys?.remove();
  });

  describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
    let service: ServiceProcess;
    beforeAll(async () => {
      const downProvider = `http://127.0.0.1:${await freePort()}`;
      service = await startService({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        // Were metrics exported too, they would come at once.
        OTEL_METRIC_EXPORT_INTERVAL: '100',
        // A sign-in provider that is down: starting a sign-in with it logs a warning through Nest's Logger, inside the request.
        OIDC_PROVIDERS: 'down',
        OIDC_DOWN_ISSUER: downProvider,
        OIDC_DOWN_CLIENT_ID: 'auth-service',
        OIDC_DOWN_CLIENT_SECRET: 'a secret of a provider that is down',
      });
    });
    afterAll(() => service?.stop());

    describe('a login sent with a traceparent', () => {
      const caller = callerContext();
      const requestId = `tracing-${randomUUID()}`;
      let user: TestUser;
      let server: ReceivedSpan;

      beforeAll(async () => {
        user = await registerUser(service);
        const login = await service
          .client()
          .post(LOGIN, { email: user.email, password: user.password }, { headers: { traceparent: caller.traceparent, 'x-request-id': requestId } });
        expect(login.status).toBe(200);
        await eventually('the server span of the login', () => receiver.serverSpan(caller.traceId) !== undefined);
        server = receiver.serverSpan(caller.traceId)!;
      });

      /** The spans of the login's trace whose chain of parents leads to its server span. */
      function spansUnderTheServerSpan(scope: string): ReceivedSpan[] {
        const byId = new Map(receiver.trace(caller.traceId).map((span) => [span.spanId, span]));
        const descends = (span: ReceivedSpan): boolean => {
          for (let parent = span.parentSpanId; parent !== undefined; parent = byId.get(parent)?.parentSpanId) if (parent === server.spanId) return true;
          return false;
        };
        return receiver.trace(caller.traceId).filter((span) => span.scope === scope && descends(span));
      }

      it('continues the caller’s trace: a server span with its trace id, whose parent is the caller’s span, named after the route', () => {
        expect(server).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.parentSpanId, name: `POST ${LOGIN}` });
      });

      it('names the service and its version in the resource (OTEL_SERVICE_NAME unset: auth-service)', () => {
        expect(server.resource).toMatchObject({ 'service.name': 'auth-service', 'service.version': VERSION });
      });

      it('has Fastify spans under the server span, the route handler among them', async () => {
        await eventually('the Fastify spans of the login', () => spansUnderTheServerSpan(FASTIFY_SCOPE).some((span) => span.name.startsWith('request handler')));
      });

      onPostgres('has PostgreSQL spans under the server span (on a PostgreSQL server)', async () => {
        await eventually('the PostgreSQL spans of the login', () => spansUnderTheServerSpan(PG_SCOPE).some((span) => span.name.startsWith('pg.query')));
      });

      withRedis('has Redis spans under the server span (with REDIS_URL: the rate limits)', async () => {
        await eventually('the Redis spans of the login', () => spansUnderTheServerSpan(IOREDIS_SCOPE).length > 0);
      });

      it('writes its request log line with the trace id, and the id of one of the trace’s spans', async () => {
        const line = await requestLine(service, requestId);
        expect(line.trace_id).toBe(caller.traceId);
        await eventually(`span ${line.span_id} of the trace`, () => receiver.trace(caller.traceId).some((span) => span.spanId === line.span_id));
      });
    });

    it('puts the trace id on a line written through Nest’s Logger during a request, and none on a line written outside one', async () => {
      const caller = callerContext();
      const started = await service.client().get('/api/v1/auth/oidc/down', { headers: { traceparent: caller.traceparent } });
      expect(started.status).toBe(302);
      const discoveryFailed = () =>
        logLines(service).find((line) => line.context === 'OidcProviders' && String(line.msg).startsWith('Discovery of the sign-in provider "down"'));
      await eventually('the warning that the provider could not be discovered', () => discoveryFailed() !== undefined);
      expect(discoveryFailed()).toMatchObject({ trace_id: caller.traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });

      const listening = logLines(service).find((line) => line.context === 'Bootstrap' && String(line.msg).startsWith('Listening on'));
      expect(listening).toBeDefined();
      expect(listening).not.toHaveProperty('trace_id');
    });

    /** GET `path` with a traceparent of a new trace; resolves once its server span has arrived (with it, every span that ended before it). */
    async function tracedGet(path: string): Promise<string> {
      const caller = callerContext();
      expect((await service.client().get(path, { headers: { traceparent: caller.traceparent } })).status).toBe(200);
      await eventually(`the server span of GET ${path}`, () => receiver.serverSpan(caller.traceId) !== undefined);
      return caller.traceId;
    }

    it('traces neither health probes nor /metrics, whatever traceparent they carry', async () => {
      const probes = ['/health/live', '/health/ready', '/metrics'].map((path) => ({ path, caller: callerContext() }));
      for (const { path, caller } of probes) expect((await service.client().get(path, { headers: { traceparent: caller.traceparent } })).status).toBe(200);
      await tracedGet(PROVIDERS);
      expect(probes.filter(({ caller }) => receiver.trace(caller.traceId).length > 0).map(({ path }) => path)).toEqual([]);
    });

    onPostgres('makes no trace of the work outside requests: the mail outbox polled twice a second, the cache sweep (PostgreSQL queries)', async () => {
      await tracedGet(PROVIDERS);
      const requestTraces = new Set(receiver.spans.filter((span) => span.kind === SPAN_KIND_SERVER).map((span) => span.traceId));
      expect(receiver.spans.filter((span) => !requestTraces.has(span.traceId)).map((span) => `${span.scope}: ${span.name}`)).toEqual([]);
    });

    it('keeps query strings out of the spans, as out of the logs (a reset link’s token, a provider’s code)', async () => {
      const secret = randomUUID();
      await tracedGet(`${PROVIDERS}?token=${secret}`);
      expect(receiver.bodies.filter((body) => body.includes(secret))).toEqual([]);
    });

    it('sends traces only (metrics stay on /metrics)', () => {
      expect(new Set(receiver.paths)).toEqual(new Set(['/v1/traces']));
    });
  });

  it('on SIGTERM, sends the spans still buffered before the process exits', async () => {
    // Spans would wait ten minutes for their batch: only the exit's flush can send them during this test.
    const service = await startService({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    try {
      const caller = callerContext();
      const requestId = `tracing-${randomUUID()}`;
      expect((await service.client().get(PROVIDERS, { headers: { traceparent: caller.traceparent, 'x-request-id': requestId } })).status).toBe(200);
      expect((await requestLine(service, requestId)).trace_id).toBe(caller.traceId);
      expect(receiver.trace(caller.traceId)).toEqual([]);

      service.signal('SIGTERM');
      expect(await service.exited).toEqual({ code: 0, signal: null });
      expect(receiver.serverSpan(caller.traceId)).toMatchObject({ parentSpanId: caller.parentSpanId });
    } finally {
      await service.stop();
    }
  });

  it('without OTEL_EXPORTER_OTLP_ENDPOINT: no tracing, the caller’s traceparent is not picked up, and log lines carry no trace id', async () => {
    // The other standard variables alone turn nothing on.
    const service = await startService({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'auth-service' });
    try {
      const caller = callerContext();
      const requestId = `untraced-${randomUUID()}`;
      const user = await registerUser(service);
      const login = await service
        .client()
        .post(LOGIN, { email: user.email, password: user.password }, { headers: { traceparent: caller.traceparent, 'x-request-id': requestId } });
      expect(login.status).toBe(200);
      const line = await requestLine(service, requestId);
      expect(line).not.toHaveProperty('trace_id');
      expect(line).not.toHaveProperty('span_id');
      expect(logLines(service).filter((entry) => 'trace_id' in entry)).toEqual([]);
    } finally {
      await service.stop();
    }
  });
});
