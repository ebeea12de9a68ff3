import { createPrivateKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../config/environment';
import { JwtAlgorithm } from '../tokens.config';
import type { TokenKind } from './signing-key';

export type AsymmetricAlgorithm = Exclude<JwtAlgorithm, 'HS256'>;

/** RS256 keys this service generates; it accepts 2048 bits and more (jsonwebtoken refuses less). */
const RSA_MODULUS_BITS = 2048;

const KEY_DESCRIPTIONS: Record<AsymmetricAlgorithm, string> = { ES256: 'a P-256 EC key', RS256: `an RSA key of at least ${RSA_MODULUS_BITS} bits` };

/** Writes a new private key (PKCS#8 PEM, mode 0600) for the algorithm; refuses to overwrite one. */
export function generateKeyFile(file: string, algorithm: AsymmetricAlgorithm): void {
  if (existsSync(file)) throw new Error(`${file} already exists`);
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const { privateKey } =
    algorithm === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: RSA_MODULUS_BITS }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

/** Reads a private key and checks it fits the algorithm (P-256 for ES256, RSA of 2048+ bits for RS256). */
export function readKeyFile(file: string, algorithm: AsymmetricAlgorithm): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (error) {
    // EACCES, most often: the key belongs to another user than the service's (uid 1000 in the image).
    throw new ConfigError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigError(`${file} is not a PEM private key`);
  }
  const details = key.asymmetricKeyDetails;
  const fits =
    algorithm === 'RS256'
      ? key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= RSA_MODULUS_BITS
      : key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1';
  if (!fits) throw new ConfigError(`${file} does not fit JWT_ALGORITHM=${algorithm} (needs ${KEY_DESCRIPTIONS[algorithm]})`);
  return key;
}

/** The private key of `kind` at `path`, which must exist (production never generates one). */
export function readSigningKeyFile(path: string, kind: TokenKind, algorithm: AsymmetricAlgorithm): KeyObject {
  if (!existsSync(path)) throw new ConfigError(`${path} is missing: production needs its ${kind} signing key in JWT_KEYS_DIR (npm run keys:generate)`);
  return readKeyFile(path, algorithm);
}
