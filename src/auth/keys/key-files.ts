import { createPrivateKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, JwtAlgorithm } from '../../config/app-config';

/** Writes a new private key (PKCS#8 PEM, mode 0600) for the algorithm; refuses to overwrite one. */
export function generateKeyFile(file: string, algorithm: Exclude<JwtAlgorithm, 'HS256'>): void {
  if (existsSync(file)) throw new Error(`${file} already exists`);
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const { privateKey } =
    algorithm === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

/** Reads a private key and checks it fits the algorithm (P-256 for ES256, Ed25519 for EdDSA). */
export function readKeyFile(file: string, algorithm: Exclude<JwtAlgorithm, 'HS256'>): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch {
    throw new ConfigError(`${file} is not a PEM private key`);
  }
  const fits =
    algorithm === 'EdDSA'
      ? key.asymmetricKeyType === 'ed25519'
      : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  if (!fits) {
    throw new ConfigError(`${file} does not fit JWT_ALGORITHM=${algorithm} (needs ${algorithm === 'EdDSA' ? 'an Ed25519' : 'a P-256'} key)`);
  }
  return key;
}
