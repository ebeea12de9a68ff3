import { join } from 'node:path';
import type { TokensConfig } from '../tokens.config';
import { readSigningKeyFile } from './key-files';
import { KeyEntry, readKeySet } from './key-set';
import type { TokenKind } from './signing-key';

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
  for (const [kind, entries] of Object.entries(manifest) as Array<[TokenKind, KeyEntry[]]>) {
    for (const { file } of entries) readSigningKeyFile(join(keysDir, file), kind, algorithm);
  }
}
