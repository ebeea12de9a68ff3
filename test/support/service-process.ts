import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateMissingKeys } from '../../src/tokens/keys/key-set';
import { ApiClient } from './api-client';
import { freePort } from './free-port';
import type { TestApp } from './test-app';

const ROOT = resolve(__dirname, '..', '..');
const READY_TIMEOUT_MS = 60_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The service as its own process (`src/main.ts` through ts-node, no build
 * needed), for what only a process can show: signals, kill -9, boot failures,
 * several instances. Its output is kept for the test to read.
 */
export class ServiceProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;

  private constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((done) => this.child.once('exit', (code, signal) => done({ code, signal })));
  }

  /** Starts a process; resolves once it answers `/health/live` (use `waitUntilReady` for the database). */
  static async start(env: Record<string, string>, port: number): Promise<ServiceProcess> {
    const service = new ServiceProcess(port, env);
    await service.waitFor('/health/live');
    return service;
  }

  /** Starts a process and resolves at once, while it boots. */
  static launch(env: Record<string, string>, port: number): ServiceProcess {
    return new ServiceProcess(port, env);
  }

  /** Starts a process that is expected to fail; resolves with how it ended and what it printed. */
  static async failing(env: Record<string, string>, port: number): Promise<{ exit: Exit; stdout: string; stderr: string }> {
    const service = new ServiceProcess(port, env);
    const exit = await service.exited;
    return { exit, stdout: service.stdout, stderr: service.stderr };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  client(): ApiClient {
    return new ApiClient(this.url);
  }

  async waitUntilReady(): Promise<void> {
    await this.waitFor('/health/ready');
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ends the process if it is still running (SIGKILL after a graceful try). */
  async stop(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  private async waitFor(path: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`the service exited (${this.child.exitCode ?? this.child.signalCode}): ${this.stderr || this.stdout}`);
      }
      try {
        if ((await fetch(this.url + path)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`the service did not answer ${path} within ${READY_TIMEOUT_MS} ms: ${this.stderr}`);
  }
}

/** A folder with a deployment's signing keys, made before any instance starts (instances booting together must not race to create them). */
export function sharedKeysDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'auth-keys-'));
  generateMissingKeys(dir, 'ES256');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Environment of a quiet instance without rate limits, on `databaseUrl` ('' for an embedded database of its own), with its data under a fresh folder. */
export function serviceEnv(databaseUrl: string, keysDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: 'false',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'auth-service-')),
    JWT_KEYS_DIR: keysDir,
    DATABASE_URL: databaseUrl,
    ...extra,
  };
}

/**
 * Another instance of `first`'s deployment, as a process: the same PostgreSQL
 * database, signing keys, Redis keys and mail server (needs TEST_DATABASE_URL:
 * an embedded database belongs to one process).
 */
export async function startSecondInstance(first: TestApp, extra: Record<string, string> = {}): Promise<ServiceProcess> {
  if (!first.config.databaseUrl) throw new Error('Two instances on one database need TEST_DATABASE_URL (a PostgreSQL server)');
  const env = serviceEnv(first.config.databaseUrl, first.config.jwt.keysDir, {
    REDIS_KEY_PREFIX: first.config.redisKeyPrefix,
    ...(first.config.redisUrl ? { REDIS_URL: first.config.redisUrl } : {}),
    // Instances share the mail outbox: whichever takes a mail must deliver it where the first would.
    ...(first.config.mail.smtpUrl ? { SMTP_URL: first.config.mail.smtpUrl } : {}),
    ...extra,
  });
  const instance = await ServiceProcess.start(env, await freePort());
  await instance.waitUntilReady();
  return instance;
}
