import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { onConfiguredDatabase } from '../src/cli/configured-database';
import { MIGRATION_LOCK_KEY } from '../src/database/migrate';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { runCommand } from './support/run-command';
import { ServiceProcess, serviceEnv, sharedKeysDir } from './support/service-process';
import { createCommandDatabase } from './support/test-database';

const ROOT = resolve(__dirname, '..');
/** The migrations in the order they apply (their names end in their timestamp, and the files start with it). */
const MIGRATION_FILES = readdirSync(join(ROOT, 'src', 'database', 'migrations'))
  .filter((file) => file.endsWith('.ts'))
  .sort();
const REVERT = join(ROOT, 'dist', 'cli', 'revert-migration.js');
const RUN = join(ROOT, 'dist', 'cli', 'run-migrations.js');

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** A compiled command of dist/cli (what the image runs). */
const compiled = (script: string, env: Record<string, string>) => runCommand(process.execPath, [script], env);

const lines = (text: string) => text.trim().split('\n').filter(Boolean);

/** The names in the migrations table, oldest first. */
const appliedMigrations = (dataSource: DataSource) =>
  dataSource.query('SELECT name FROM migrations ORDER BY id').then((rows: Array<{ name: string }>) => rows.map((row) => row.name));

/** Every table.column of the public schema but the migrations table's, sorted. */
const schemaColumns = (dataSource: DataSource) =>
  dataSource
    .query(`SELECT table_name || '.' || column_name AS "column" FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'migrations'`)
    .then((rows: Array<{ column: string }>) => rows.map((row) => row.column).sort());

/** The class name TypeORM records for a migration file: `1802000000000-admin.ts` holds `Admin1802000000000`. */
const lastMigrationName = () => {
  const file = MIGRATION_FILES[MIGRATION_FILES.length - 1];
  const [, timestamp, words] = /^(\d{13})-(.+)\.ts$/.exec(file)!;
  return words.replace(/(^|-)(\w)/g, (_match, _dash: string, letter: string) => letter.toUpperCase()) + timestamp;
};

describe('revert-migration (compiled: node dist/cli/revert-migration.js)', () => {
  beforeAll(() => {
    if (!existsSync(REVERT) || !existsSync(RUN)) throw new Error('dist/cli is not built: run npm run build first');
  });

  it('reverts the last migration: its schema changes are gone and the migrations table loses its row; run-migrations applies it again', async () => {
    const fresh = await createCommandDatabase();
    try {
      expect((await compiled(RUN, fresh.env)).code).toBe(0);
      const [applied, before] = await onConfiguredDatabase(fresh.env, async (db) => [await appliedMigrations(db), await schemaColumns(db)]);
      expect(applied).toHaveLength(MIGRATION_FILES.length);
      const last = applied[applied.length - 1];
      expect(last).toBe(lastMigrationName());

      const reverted = await compiled(REVERT, fresh.env);
      expect(reverted).toEqual({ code: 0, stdout: `reverted ${last}\n`, stderr: '' });
      const [remaining, after] = await onConfiguredDatabase(fresh.env, async (db) => [await appliedMigrations(db), await schemaColumns(db)]);
      expect(remaining).toEqual(applied.slice(0, -1));
      // Only removals: something of the last migration is gone, nothing else changed.
      expect(after.length).toBeLessThan(before.length);
      expect(before).toEqual(expect.arrayContaining(after));

      const again = await compiled(RUN, fresh.env);
      expect(again).toEqual({ code: 0, stdout: `applied ${last}\n`, stderr: '' });
      await onConfiguredDatabase(fresh.env, async (db) => {
        expect(await appliedMigrations(db)).toEqual(applied);
        expect(await schemaColumns(db)).toEqual(before);
      });
    } finally {
      await fresh.remove();
    }
  });

  it('says "nothing to revert" on a database no migration was applied to', async () => {
    const fresh = await createCommandDatabase();
    try {
      expect(await compiled(REVERT, fresh.env)).toEqual({ code: 0, stdout: 'nothing to revert\n', stderr: '' });
    } finally {
      await fresh.remove();
    }
  });

  (onPostgres ? it : it.skip)('waits for the advisory lock a migrating instance holds, then reverts', async () => {
    const fresh = await createCommandDatabase();
    const holder = new Client({ connectionString: fresh.database.databaseUrl });
    await holder.connect();
    try {
      expect((await compiled(RUN, fresh.env)).code).toBe(0);
      const count = async () => Number((await holder.query('SELECT count(*) AS n FROM migrations')).rows[0].n);
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const revert = compiled(REVERT, fresh.env);
      await eventually(
        'the revert to wait for the migration lock',
        async () => (await holder.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rowCount === 1,
        30_000,
      );
      expect(await count()).toBe(MIGRATION_FILES.length);
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      expect(await revert).toEqual({ code: 0, stdout: `reverted ${lastMigrationName()}\n`, stderr: '' });
      expect(await count()).toBe(MIGRATION_FILES.length - 1);
    } finally {
      await holder.end();
      await fresh.remove();
    }
  });

  (onPostgres ? it : it.skip)("exits 1 with the migration's one-line refusal and leaves it applied when its down step refuses", async () => {
    const fresh = await createCommandDatabase();
    try {
      expect((await compiled(RUN, fresh.env)).code).toBe(0);
      // The admin migration keeps the audit log: its down step refuses while the log holds entries. Later ones go first.
      const admin = MIGRATION_FILES.indexOf('1802000000000-admin.ts');
      expect(admin).toBeGreaterThanOrEqual(0);
      for (let later = MIGRATION_FILES.length - 1; later > admin; later--) expect((await compiled(REVERT, fresh.env)).code).toBe(0);
      await onConfiguredDatabase(fresh.env, (db) => db.query(`INSERT INTO audit_log (at, action, details) VALUES (now(), 'user_disabled', '{}')`));
      const refused = await compiled(REVERT, fresh.env);
      expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
      expect(lines(refused.stderr)).toEqual([expect.stringMatching(/the audit log holds 1 entries/)]);
      await onConfiguredDatabase(fresh.env, async (db) => {
        expect((await appliedMigrations(db)).at(-1)).toBe('Admin1802000000000');
        expect(await db.query('SELECT count(*)::int AS n FROM audit_log')).toEqual([{ n: 1 }]);
      });
    } finally {
      await fresh.remove();
    }
  });

  // The embedded database serves one process: a revert beside the running service would be lost or corrupt it.
  (onPostgres ? it.skip : it)('refuses with one line while a service has the embedded database open', async () => {
    const keys = sharedKeysDir();
    const dataDir = mkdtempSync(join(tmpdir(), 'auth-revert-'));
    const service = await ServiceProcess.start(serviceEnv('', keys.dir, { DATA_DIR: dataDir }), await freePort());
    try {
      const refused = await compiled(REVERT, { DATA_DIR: dataDir });
      expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
      expect(lines(refused.stderr)).toEqual([expect.stringMatching(new RegExp(`in use by process ${service.pid}.*stop it first`))]);
      expect((await service.stop()).code).toBe(0);
      await onConfiguredDatabase({ DATA_DIR: dataDir }, async (db) => expect(await appliedMigrations(db)).toHaveLength(MIGRATION_FILES.length));
    } finally {
      await service.stop();
      keys.remove();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('npm run migration:revert (from src, as in development)', () => {
  (onPostgres ? it : it.skip)('runs the same command: reverts the last migration', async () => {
    const fresh = await createCommandDatabase();
    try {
      expect((await compiled(RUN, fresh.env)).code).toBe(0);
      const reverted = await runCommand('npm', ['run', '--silent', 'migration:revert'], fresh.env);
      expect(reverted).toEqual({ code: 0, stdout: `reverted ${lastMigrationName()}\n`, stderr: '' });
      await onConfiguredDatabase(fresh.env, async (db) => expect(await appliedMigrations(db)).toHaveLength(MIGRATION_FILES.length - 1));
    } finally {
      await fresh.remove();
    }
  });
});
