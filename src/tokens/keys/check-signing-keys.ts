import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TokensConfig } from '../tokens.config';
import { ConfigError } from '../../config/environment';
import { readKeyFile } from './key-files';
import { readKeySet } from './key-set';

/**
 * Production's signing keys, checked before anything touches the database:
 * a service that would stop on a missing or unreadable key must not first
 * apply migrations (and then do it again on every restart). Outside
 * production a first start generates them, so there is nothing to check.
 */
export function checkSigningKeysBeforeBoot(config: TokensConfig, production: boolean): void {
  const { algorithm, keysDir } = config.jwt;
  if (!production || algorithm === 'HS256') return;
  const manifest = readKeySet(keysDir);
  for (const [kind, entries] of Object.entries(manifest)) {
    for (const { file } of entries) {
      const path = join(keysDir, file);
      if (!existsSync(path)) throw new ConfigError(`${path} is missing: production needs its ${kind} signing key in JWT_KEYS_DIR (npm run keys:generate)`);
      readKeyFile(path, algorithm);
    }
  }
}
