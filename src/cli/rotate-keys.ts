import { parseArgs } from 'node:util';
import { JWKS_MAX_AGE_SECONDS } from '../tokens/keys/jwks.controller';
import { rotateKeySet } from '../tokens/keys/key-set';
import { KEY_RELOAD_INTERVAL_MS } from '../tokens/keys/signing-keys.service';
import { ConfigError, loadConfig } from '../app-config';
import { parseDurationSeconds } from '../config/duration';
import { runCli } from './run-cli';

const USAGE = `Usage: npm run keys:rotate [-- --activate-in 10m]
       (in the image: node dist/cli/rotate-keys.js [--activate-in 10m])

Adds a new access key and a new refresh key to JWT_KEYS_DIR. They are
published (JWKS) at once and sign only from --activate-in on (default: twice
the JWKS cache lifetime plus the instances' key reload interval). Nobody is
logged out: retired keys verify until their last token expires.`;

/**
 * The new keys must not sign before every verifier knows them, so the
 * activation delay must outlast the JWKS cache (max-age) and the instances'
 * key reload.
 */
runCli(() => {
  const { values } = parseArgs({ options: { 'activate-in': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(USAGE);
  const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
  const { algorithm, keysDir, clockToleranceSeconds } = config.jwt;
  if (algorithm === 'HS256') {
    throw new ConfigError('JWT_ALGORITHM=HS256 keys are JWT_ACCESS_SECRET and JWT_REFRESH_SECRET: there are no key files to rotate');
  }
  const minimum = JWKS_MAX_AGE_SECONDS + KEY_RELOAD_INTERVAL_MS / 1000;
  const activateIn = values['activate-in'] === undefined ? 2 * minimum : parseDurationSeconds(values['activate-in']);
  if (activateIn === undefined) throw new ConfigError('--activate-in takes a duration such as 10m');
  if (activateIn < minimum)
    console.warn(`warning: keys activating in ${activateIn} s may sign before every verifier has fetched them (JWKS max-age ${JWKS_MAX_AGE_SECONDS} s)`);
  const activatesAt = new Date(Date.now() + activateIn * 1000);
  const added = rotateKeySet(keysDir, algorithm, activatesAt, {
    access: config.accessTokenTtlSeconds + clockToleranceSeconds,
    refresh: config.refreshTokenTtlSeconds + clockToleranceSeconds,
  });
  console.log(`New keys in ${keysDir}: ${added.access}, ${added.refresh}; published now, signing from ${activatesAt.toISOString()}`);
});
