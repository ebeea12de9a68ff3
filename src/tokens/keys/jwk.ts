import { createHash, JsonWebKey, KeyObject } from 'node:crypto';

/** The members RFC 7638 hashes for each key type, in the lexicographic order it prescribes. */
const THUMBPRINT_MEMBERS: Record<string, string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  oct: ['k', 'kty'],
};

/** A public (or secret) key as a JWK, from node:crypto. */
export function toJwk(key: KeyObject): JsonWebKey {
  return key.export({ format: 'jwk' });
}

/** The RFC 7638 thumbprint of a JWK (SHA-256, base64url): the `kid` of this service's keys. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = THUMBPRINT_MEMBERS[jwk.kty ?? ''];
  if (!members) throw new Error(`No thumbprint for JWK key type ${jwk.kty}`);
  const canonical = `{${members.map((member) => `${JSON.stringify(member)}:${JSON.stringify(jwk[member as keyof JsonWebKey])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}
