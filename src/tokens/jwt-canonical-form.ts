/**
 * One token, one string. base64url decoders accept several spellings of the
 * same bytes (`=` padding, the `+`/`/` alphabet, non-zero trailing bits) and
 * ECDSA accepts both `s` and `n - s`, so without these checks a token could be
 * re-spelled into another string that still verifies, which caches and logs
 * keyed by the token string would count as a second token. Pure functions,
 * independent of the JWT library that signs and verifies.
 */

export type SignatureAlgorithm = 'ES256' | 'RS256' | 'HS256';

/**
 * Raw signature sizes: ES256 is r || s, 32 bytes each; HMAC-SHA-256 32 bytes;
 * an RS256 signature is as long as the key's modulus, so the caller says.
 */
const FIXED_SIGNATURE_BYTES: Partial<Record<SignatureAlgorithm, number>> = { ES256: 64, HS256: 32 };

/** The order n of the P-256 group. */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const P256_HALF_ORDER = P256_ORDER >> 1n;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Whether `segment` is the one base64url spelling of its bytes: no padding, URL alphabet, zero trailing bits. */
export function isCanonicalBase64url(segment: string): boolean {
  return BASE64URL.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

/**
 * Whether `token` is a compact JWS in canonical form for `algorithm`: three
 * canonical base64url segments, a signature of the algorithm's exact length
 * (for RS256, `rsaSignatureBytes`: the modulus length of the key) and, for
 * ES256, a low `s` (s <= n/2).
 */
export function isCanonicalJwt(token: string, algorithm: SignatureAlgorithm, rsaSignatureBytes?: number): boolean {
  const segments = token.split('.');
  if (segments.length !== 3 || !segments.every(isCanonicalBase64url)) return false;
  const signature = Buffer.from(segments[2], 'base64url');
  if (signature.length !== (FIXED_SIGNATURE_BYTES[algorithm] ?? rsaSignatureBytes)) return false;
  return algorithm !== 'ES256' || ecdsaS(signature) <= P256_HALF_ORDER;
}

/**
 * The same ES256 token with a low `s`: OpenSSL signs with whichever `s` it
 * computes, so half of its signatures need `n - s` (equally valid) to pass
 * isCanonicalJwt. Other algorithms' tokens are returned unchanged.
 */
export function withCanonicalSignature(token: string, algorithm: SignatureAlgorithm): string {
  if (algorithm !== 'ES256') return token;
  const [header, payload, encoded] = token.split('.');
  const signature = Buffer.from(encoded, 'base64url');
  const s = ecdsaS(signature);
  if (s <= P256_HALF_ORDER) return token;
  const lowS = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([signature.subarray(0, 32), lowS]).toString('base64url')}`;
}

function ecdsaS(signature: Buffer): bigint {
  return BigInt(`0x${signature.subarray(32, 64).toString('hex')}`);
}
