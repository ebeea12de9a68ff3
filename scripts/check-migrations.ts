import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase } from '../test/support/test-database';

/**
 * `npm run migration:check`: the entities and the migrations agree. On a
 * throwaway database, `npm run migration:run` and then
 * `npm run migration:generate -- --check` must find nothing to generate.
 * Checked on the embedded database (a temporary DATA_DIR), and also on the
 * PostgreSQL server of TEST_DATABASE_URL when it is set (a new database there,
 * dropped afterwards; the one the URL names is never touched).
 */

const ROOT = resolve(__dirname, '..');

interface Target {
  name: string;
  /** DATABASE_URL for the commands: empty for the embedded database (so a .env cannot point them elsewhere). */
  databaseUrl: string;
  drop(): Promise<void>;
}

async function main(): Promise<void> {
  const targets: Array<() => Promise<Target>> = [embedded];
  if (process.env.TEST_DATABASE_URL) targets.push(onServer);
  let failed = false;
  for (const open of targets) {
    const target = await open();
    const dataDir = mkdtempSync(join(tmpdir(), 'migration-check-'));
    try {
      failed = !(await check(target, dataDir)) || failed;
    } finally {
      await target.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  process.exitCode = failed ? 1 : 0;
}

async function check(target: Target, dataDir: string): Promise<boolean> {
  const env = { ...process.env, DATABASE_URL: target.databaseUrl, DATA_DIR: dataDir };
  const migrated = await npm(['run', 'migration:run'], env);
  if (migrated.code !== 0) {
    console.error(`${target.name}: npm run migration:run failed\n${migrated.output}`);
    return false;
  }
  // The path is required by the command; with --check nothing is written.
  const generated = await npm(['run', 'migration:generate', '--', '--check', 'src/database/migrations/EntitiesAhead'], env);
  if (generated.code !== 0) {
    console.error(`${target.name}: the entities and the migrations disagree (write the missing migration with npm run migration:generate)\n${generated.output}`);
    return false;
  }
  console.log(`${target.name}: migration:generate on a freshly migrated database finds nothing to do`);
  return true;
}

async function embedded(): Promise<Target> {
  return { name: 'embedded database', databaseUrl: '', drop: async () => undefined };
}

async function onServer(): Promise<Target> {
  const database = await createTestDatabase();
  const { host, pathname } = new URL(database.databaseUrl!);
  return { name: `PostgreSQL ${host}${pathname}`, databaseUrl: database.databaseUrl!, drop: () => database.drop() };
}

function npm(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['--silent', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, output }));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
