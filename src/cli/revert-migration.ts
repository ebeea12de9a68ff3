import { parseArgs } from 'node:util';
import { revertLastMigration } from '../database/migrate';
import { onConfiguredDatabase } from './configured-database';
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
  const reverted = await onConfiguredDatabase(process.env, revertLastMigration);
  console.log(reverted ? `reverted ${reverted}` : 'nothing to revert');
});
