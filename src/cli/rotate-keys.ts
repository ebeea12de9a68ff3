import { config as loadDotEnv } from 'dotenv';
import { parseDurationSeconds } from '../config/duration';
import { ConfigError, loadConfig } from '../config/app-config';
import { rotateKeySet } from '../auth/keys/key-set';
import { JWKS_MAX_AGE_SECONDS } from '../auth/keys/jwks.controller';
import { KEY_RELOAD_INTERVAL_MS } from '../auth/keys/signing-keys.service';

/**
 * `npm run keys:rotate [-- --activate-in 10m]`: adds a new access key and a new
 * refresh key to JWT_KEYS_DIR. They are published (JWKS) at once and sign only
 * from `--activate-in` on, which must outlast the JWKS cache (max-age) and the
 * instances' key reload, so every verifier knows a key before it signs.
 * Nobody is logged out: retired keys verify until their last token expires.
 */
function main(): void {
  loadDotEnv({ quiet: true });
  const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
  const { algorithm, keysDir, clockToleranceSeconds } = config.jwt;
  if (algorithm === 'HS256') {
    throw new ConfigError('JWT_ALGORITHM=HS256 keys are JWT_ACCESS_SECRET and JWT_REFRESH_SECRET: there are no key files to rotate');
  }
  const minimum = JWKS_MAX_AGE_SECONDS + KEY_RELOAD_INTERVAL_MS / 1000;
  const flag = process.argv.indexOf('--activate-in');
  const activateIn = flag > 0 ? parseDurationSeconds(process.argv[flag + 1] ?? '') : 2 * minimum;
  if (activateIn === undefined) throw new ConfigError('--activate-in takes a duration such as 10m');
  if (activateIn < minimum) console.warn(`warning: keys activating in ${activateIn} s may sign before every verifier has fetched them (JWKS max-age ${JWKS_MAX_AGE_SECONDS} s)`);
  const activatesAt = new Date(Date.now() + activateIn * 1000);
  const added = rotateKeySet(keysDir, algorithm, activatesAt, {
    access: config.accessTokenTtlSeconds + clockToleranceSeconds,
    refresh: config.refreshTokenTtlSeconds + clockToleranceSeconds,
  });
  console.log(`New keys in ${keysDir}: ${added.access}, ${added.refresh}; published now, signing from ${activatesAt.toISOString()}`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
