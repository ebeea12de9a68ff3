import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { changeRoles, ROLE_CHANGE_ENTITIES } from './role-change';
import { loadConfig } from '../app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { normalizeEmail, ROLE_NAME } from '../users';
import { runCli } from './run-cli';

const USAGE = `Usage: npm run users:roles -- --email ann@example.com [--add admin] [--remove admin]
       (in the image: node dist/cli/user-roles.js --email ... --add admin)

Changes a user's roles in the database the service is configured for
(DATABASE_URL, else the embedded one under DATA_DIR: stop the service first,
the embedded database serves one process). --add and --remove may be repeated;
at least one is needed. Changing roles ends every session of the user, so that
no token carries the old roles; running instances drop them within a second.
The audit log records the change (actor: the command line).`;

runCli(async () => {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      add: { type: 'string', multiple: true, default: [] },
      remove: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE);
  const { add, remove } = values;
  if (!values.email || (add.length === 0 && remove.length === 0)) {
    console.error(USAGE);
    process.exitCode = 1;
    return;
  }
  const invalid = [...add, ...remove].find((role) => !ROLE_NAME.test(role));
  if (invalid !== undefined) throw new Error(`"${invalid}" is not a role name: lower-case letters, digits, _ and -, starting with a letter, at most 32`);
  const both = add.find((role) => remove.includes(role));
  if (both !== undefined) throw new Error(`--add and --remove both name "${both}"`);

  const email = normalizeEmail(values.email);
  const config = loadConfig(process.env);
  const options = dataSourceOptions(config.databaseUrl, config.embeddedDatabaseDir, { poolSize: 1 });
  const dataSource = await new DataSource({ ...options, entities: ROLE_CHANGE_ENTITIES }).initialize();
  try {
    const result = await changeRoles(dataSource, { email, add, remove, queueInvalidations: Boolean(config.databaseUrl) });
    if (!result.found) throw new Error(`No user with email ${email}`);
    const roles = result.roles.join(', ') || '(none)';
    console.log(`${email}: roles ${roles}${result.changed ? '' : ' (unchanged)'}; ${result.sessionsEnded} session(s) ended`);
  } finally {
    await dataSource.destroy();
  }
});
