import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { loadConfig } from '../app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { revertLastMigration } from '../database/migrate';
import { runCli } from './run-cli';

const USAGE = `Usage: npm run migration:revert (in the image: node dist/cli/revert-migration.js)

Reverts the last applied migration of the database the service is configured
for (DATABASE_URL, else the embedded one under DATA_DIR: stop the service
first, the embedded database serves one process), under the same advisory lock
as migration:run and the run at boot. Run it with the build that applied the
migration (the one that knows its down step), before rolling back to the build
before it. Each run reverts one migration.`;

runCli(async () => {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(USAGE);
  const config = loadConfig(process.env);
  const dataSource = await new DataSource(dataSourceOptions(config.databaseUrl, config.embeddedDatabaseDir, { poolSize: 1 })).initialize();
  try {
    const reverted = await revertLastMigration(dataSource, Boolean(config.databaseUrl));
    console.log(reverted ? `reverted ${reverted}` : 'nothing to revert');
  } finally {
    await dataSource.destroy();
  }
});
