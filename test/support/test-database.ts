import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface TestDatabase {
  /** A PostgreSQL URL, or undefined for an in-memory embedded database. */
  databaseUrl?: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one suite: in-memory PGlite by default, or a new
 * database on the server of TEST_DATABASE_URL (dropped afterwards). Refuses a
 * server database whose name does not contain "test".
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return { databaseUrl: undefined, drop: async () => undefined };

  const url = new URL(serverUrl);
  const baseName = url.pathname.replace(/^\//, '');
  if (!baseName.includes('test')) {
    throw new Error(`TEST_DATABASE_URL names the database "${baseName}": tests only run against a database whose name contains "test"`);
  }
  const name = `${baseName}_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    drop: () => withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface CommandDatabase {
  /** What a command needs to find it: DATA_DIR, and DATABASE_URL on a server. */
  env: Record<string, string>;
  database: TestDatabase;
  remove(): Promise<void>;
}

/**
 * A new empty database for the command-line tools: on the server of
 * TEST_DATABASE_URL, else an embedded one under a temporary DATA_DIR.
 */
export async function createCommandDatabase(): Promise<CommandDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-command-'));
  const database = await createTestDatabase();
  return {
    env: { DATA_DIR: dataDir, ...(database.databaseUrl && { DATABASE_URL: database.databaseUrl }) },
    database,
    remove: async () => {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
