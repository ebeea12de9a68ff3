import { parseArgs } from 'node:util';
import { generateMissingKeys } from '../tokens/keys/key-set';
import { ConfigError, loadConfig } from '../app-config';
import { runCli } from './run-cli';

const USAGE = `Usage: npm run keys:generate (in the image: node dist/cli/generate-keys.js)

Creates the access and refresh signing keys in JWT_KEYS_DIR, for production,
where the service never generates them. Keys already there are kept.`;

runCli(() => {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(USAGE);
  // Key generation needs only the JWT settings; the database is not touched.
  const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
  const { algorithm, keysDir } = config.jwt;
  if (algorithm === 'HS256') throw new ConfigError('JWT_ALGORITHM=HS256 uses JWT_ACCESS_SECRET and JWT_REFRESH_SECRET: there are no key files to generate');
  const created = generateMissingKeys(keysDir, algorithm);
  for (const { kind, path } of created) console.log(`${path}: new ${algorithm} key for ${kind} tokens`);
  if (created.length === 0) console.log(`${keysDir} already has every key its key set names; nothing created`);
});
