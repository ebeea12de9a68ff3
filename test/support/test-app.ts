import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import type { AppOptions } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { ApiClient } from './api-client';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  url: string;
  config: AppConfig;
  dataSource: DataSource;
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
  /**
   * Another instance on the same PostgreSQL database as this one (needs
   * TEST_DATABASE_URL: an embedded database belongs to one process).
   */
  sameDatabaseAs?: TestApp;
  /** Feature modules to compose with the service, as AppModule's `modules` option does. */
  modules?: AppOptions['modules'];
}

/**
 * Starts the real application (AppModule) on a fresh database, listening on a
 * random local port. `env` overrides configuration variables as the service
 * would read them, e.g. `{ ACCESS_TOKEN_TTL: '2s' }`.
 */
export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-test-'));
  const database = options.sameDatabaseAs ? sharedDatabase(options.sameDatabaseAs) : await createTestDatabase();
  // Each app gets its own Redis keys unless the test shares them on purpose (several instances).
  const redisKeyPrefix = `test-${randomBytes(6).toString('hex')}:`;
  const config = loadConfig({
    ...TEST_ENV,
    DATA_DIR: dataDir,
    // Instances of one deployment share their signing keys.
    ...(options.sameDatabaseAs ? { JWT_KEYS_DIR: options.sameDatabaseAs.config.jwt.keysDir } : {}),
    REDIS_KEY_PREFIX: options.sameDatabaseAs?.config.redisKeyPrefix ?? redisKeyPrefix,
    // CI sets REDIS_URL for the PostgreSQL run: every app then uses Redis as it would in production.
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...env,
    DATABASE_URL: database.databaseUrl,
  });
  if (!database.databaseUrl) config.embeddedDatabaseDir = 'memory://';

  let app: NestFastifyApplication | undefined;
  try {
    app = await createApp(config, { logDestination: options.logDestination, modules: options.modules });
    // listen() runs the init hooks, so a bad key file fails here, after the database is open.
    await app.listen({ port: 0, host: '127.0.0.1' });
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
    client: () => new ApiClient(url),
    close: async () => {
      await started.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function sharedDatabase(first: TestApp): TestDatabase {
  if (!first.config.databaseUrl) throw new Error('Two instances on one database need TEST_DATABASE_URL (a PostgreSQL server)');
  // The first instance drops it when it closes.
  return { databaseUrl: first.config.databaseUrl, drop: async () => undefined };
}

/** Starts an app with `env` for the enclosing describe block and closes it afterwards. */
export function appWith(env: Record<string, string> = {}): () => TestApp {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp(env);
  });
  afterAll(() => testApp?.close());
  return () => testApp;
}
