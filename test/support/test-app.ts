import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { drainHttpServer } from '../../src/http-drain';
import type { AppOptions } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/app-config';
import { ApiClient } from './api-client';
import { TestClock } from './test-clock';
import { createTestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  url: string;
  config: AppConfig;
  dataSource: DataSource;
  /** The app's clock: `clock.advance(ms)` lets lifetimes pass without sleeping. */
  clock: TestClock;
  /** A client with an empty cookie jar. */
  client(): ApiClient;
  close(): Promise<void>;
}

/** Defaults for tests: quiet logs and no rate limits (their own suite turns them on). */
const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_ENABLED: 'false',
};

export interface TestAppOptions {
  /** Where the app's log lines go (set LOG_LEVEL in `env` to see any). */
  logDestination?: DestinationStream;
  /** Feature modules to compose with the service, as AppModule's `modules` option does. */
  modules?: AppOptions['modules'];
  /** Globs of their migrations, when they live outside src/database/migrations (as AppModule's `migrations` option). */
  migrations?: AppOptions['migrations'];
  /** Runs on the built app before it listens, for what Nest takes only before `init()`: `app.useWebSocketAdapter(new WsAdapter(app))`. */
  beforeListen?: (app: NestFastifyApplication) => void;
  /** The port to listen on (default: a random free one), for a test that must know its origin before the app starts (freePort()). */
  port?: number;
}

/**
 * Starts the real application (AppModule) on a fresh database, listening on a
 * random local port. `env` overrides configuration variables as the service
 * would read them, e.g. `{ ACCESS_TOKEN_TTL: '2s' }`.
 */
export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-test-'));
  const database = await createTestDatabase();
  // Each app gets its own Redis keys (a second instance of it shares them: startSecondInstance).
  const redisKeyPrefix = `test-${randomBytes(6).toString('hex')}:`;
  const appEnv: Record<string, string> = {
    ...TEST_ENV,
    DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    // CI sets REDIS_URL for the PostgreSQL run: every app then uses Redis as it would in production.
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...env,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : { EMBEDDED_DATABASE_DIR: 'memory://' }),
  };
  const config = loadConfig(appEnv);

  const clock = new TestClock();
  let app: NestFastifyApplication | undefined;
  try {
    app = await inEnvironment(appEnv, () => createApp({ logDestination: options.logDestination, modules: options.modules, migrations: options.migrations, clock }));
    options.beforeListen?.(app);
    // listen() runs the init hooks, so a bad key file fails here, after the database is open.
    await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.drop();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const started = app;
  return {
    app: started,
    url,
    config,
    dataSource: started.get(DataSource),
    clock,
    client: () => new ApiClient(url),
    close: async () => {
      // As main.ts does: app.close() alone would wait out Fastify's 72 s keep-alive on a connection a browser left open.
      await drainHttpServer(started.getHttpAdapter().getInstance(), started.getHttpServer());
      await started.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts an app with `env` for the enclosing describe block and closes it afterwards. */
export function appWith(env: Record<string, string> = {}, options: TestAppOptions = {}): () => TestApp {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp(env, options);
  });
  afterAll(() => testApp?.close());
  return () => testApp;
}

/**
 * Runs `build` with `env` as the whole process environment (restored after):
 * the app reads its configuration from the environment while it is built,
 * as the service does at boot. Apps of one test file are built one after
 * the other, so they never see each other's.
 */
async function inEnvironment<T>(env: Record<string, string>, build: () => Promise<T>): Promise<T> {
  const saved = process.env;
  process.env = { PATH: saved.PATH, ...env };
  try {
    return await build();
  } finally {
    process.env = saved;
  }
}
