import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random key: 256 bits, base64url. Tokens carry it as `prm`; the KeyStore keeps only its hash. */
export function newRandomKey(): string {
  return randomBytes(32).toString('base64url');
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export interface KeyPair {
  accessKey: string;
  refreshKey: string;
}

/**
 * The keys of the next generation, derived from the refresh key being rotated
 * and a random salt stored in the row. Anyone who presents that refresh key
 * inside the grace window can be handed the same current generation again,
 * while the database holds only hashes.
 */
export function deriveNextKeys(previousRefreshKey: string, salt: string): KeyPair {
  const derive = (kind: string) => createHmac('sha256', previousRefreshKey).update(`${kind}.${salt}`).digest('base64url');
  return { accessKey: derive('access'), refreshKey: derive('refresh') };
}

export function newSalt(): string {
  return randomBytes(16).toString('hex');
}
