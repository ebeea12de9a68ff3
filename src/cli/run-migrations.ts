import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { loadConfig } from '../app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { runMigrations } from '../database/migrate';
import { runCli } from './run-cli';

const USAGE = `Usage: npm run migration:run (in the image: node dist/cli/run-migrations.js)

Applies the pending migrations to the database the service is configured for
(DATABASE_URL, else the embedded one under DATA_DIR), under the same advisory
lock as the run at boot: for deployments with MIGRATIONS_RUN=false.`;

runCli(async () => {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(USAGE);
  const config = loadConfig(process.env);
  const dataSource = await new DataSource(dataSourceOptions(config.databaseUrl, config.embeddedDatabaseDir, { poolSize: 1 })).initialize();
  try {
    const applied = await runMigrations(dataSource, Boolean(config.databaseUrl));
    for (const migration of applied) console.log(`applied ${migration.name}`);
    if (applied.length === 0) console.log('no pending migrations');
  } finally {
    await dataSource.destroy();
  }
});
