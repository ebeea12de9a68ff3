import { parseArgs } from 'node:util';
import { runMigrations } from '../database/migrate';
import { onConfiguredDatabase } from './configured-database';
import { runCli } from './run-cli';

const USAGE = `Usage: npm run migration:run (in the image: node dist/cli/run-migrations.js)

Applies the pending migrations to the database the service is configured for
(DATABASE_URL, else the embedded one under DATA_DIR), under the same advisory
lock as the run at boot: for deployments with MIGRATIONS_RUN=false.`;

runCli(async () => {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(USAGE);
  const applied = await onConfiguredDatabase(process.env, runMigrations);
  for (const migration of applied) console.log(`applied ${migration.name}`);
  if (applied.length === 0) console.log('no pending migrations');
});
