import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { MIGRATION_LOCK_KEY } from '../src/database/migrate';
import { createTestDatabase, TestDatabase } from './support/test-database';

const ROOT = resolve(__dirname, '..');
const MIGRATION_FILES = readdirSync(join(ROOT, 'src', 'database', 'migrations')).filter((file) => file.endsWith('.ts'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run <script> -- <args>` as a user types it, with only `env` (and PATH) set. */
function npmRun(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

const lines = (text: string) => text.trim().split('\n').filter(Boolean);

/** Polls `done` (every 100 ms, for at most 30 s): the CLI's process starts in its own time. */
async function until(done: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('gave up waiting');
}

/** A fresh database for the CLI: a new one on the server of TEST_DATABASE_URL, else an embedded one under a temporary DATA_DIR. */
async function freshDatabase(): Promise<{ env: Record<string, string>; database: TestDatabase; remove(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-cli-'));
  const database = await createTestDatabase();
  const env: Record<string, string> = { DATA_DIR: dataDir, ...(database.databaseUrl && { DATABASE_URL: database.databaseUrl }) };
  return {
    env,
    database,
    remove: async () => {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('the command-line tools, run from src as in development', () => {
  describe('npm run migration:run', () => {
    it('applies every migration to an empty database, then finds nothing left to do', async () => {
      const fresh = await freshDatabase();
      try {
        const first = await npmRun('migration:run', [], fresh.env);
        expect(first.code).toBe(0);
        expect(lines(first.stdout)).toHaveLength(MIGRATION_FILES.length);
        expect(lines(first.stdout)).toEqual(MIGRATION_FILES.map(() => expect.stringMatching(/^applied \w+\d{13}$/)));
        const second = await npmRun('migration:run', [], fresh.env);
        expect(second.code).toBe(0);
        expect(second.stdout.trim()).toBe('no pending migrations');
      } finally {
        await fresh.remove();
      }
    });

    (process.env.TEST_DATABASE_URL ? it : it.skip)('waits for the advisory lock the booting instances take, then applies', async () => {
      const fresh = await freshDatabase();
      const holder = new Client({ connectionString: fresh.database.databaseUrl });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        const run = npmRun('migration:run', [], fresh.env);
        await until(async () => (await holder.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rowCount === 1);
        expect((await holder.query(`SELECT to_regclass('migrations') AS name`)).rows[0].name).toBeNull();
        await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        expect((await run).code).toBe(0);
        expect((await holder.query('SELECT name FROM migrations')).rows).toHaveLength(MIGRATION_FILES.length);
      } finally {
        await holder.end();
        await fresh.remove();
      }
    });

    it('exits 1 with one line when the database cannot be reached', async () => {
      const run = await npmRun('migration:run', [], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/cli_test' });
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([expect.stringContaining('ECONNREFUSED')]);
    });
  });

  describe('npm run keys:generate and keys:rotate', () => {
    let keysDir: string;
    beforeEach(() => {
      keysDir = mkdtempSync(join(tmpdir(), 'auth-cli-keys-'));
    });
    afterEach(() => rmSync(keysDir, { recursive: true, force: true }));

    const pemFiles = () =>
      readdirSync(keysDir)
        .filter((file) => file.endsWith('.pem'))
        .sort();

    it('generates the access and refresh keys once, and keeps them on a second run', async () => {
      expect((await npmRun('keys:generate', [], { JWT_KEYS_DIR: keysDir })).code).toBe(0);
      expect(pemFiles()).toEqual(['access.pem', 'refresh.pem']);
      const again = await npmRun('keys:generate', [], { JWT_KEYS_DIR: keysDir });
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/nothing created/);
      expect(pemFiles()).toEqual(['access.pem', 'refresh.pem']);
    });

    it('adds a new access key and refresh key with --activate-in', async () => {
      await npmRun('keys:generate', [], { JWT_KEYS_DIR: keysDir });
      const run = await npmRun('keys:rotate', ['--activate-in', '10m'], { JWT_KEYS_DIR: keysDir });
      expect(run.code).toBe(0);
      expect(pemFiles()).toEqual([expect.stringMatching(/^access-\d+\.pem$/), 'access.pem', expect.stringMatching(/^refresh-\d+\.pem$/), 'refresh.pem']);
    });

    it.each([
      [['--activate-in', 'soon'], /--activate-in takes a duration/],
      [['--activate-after', '10m'], /Unknown option '--activate-after'/],
      [['10m'], /Unexpected argument '10m'/],
    ])('refuses keys:rotate %j with one line and exit code 1, and adds nothing', async (args, message) => {
      await npmRun('keys:generate', [], { JWT_KEYS_DIR: keysDir });
      const run = await npmRun('keys:rotate', args, { JWT_KEYS_DIR: keysDir });
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([expect.stringMatching(message)]);
      expect(pemFiles()).toEqual(['access.pem', 'refresh.pem']);
    });
  });
});
