import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../tokens.config';

/** Access and refresh tokens are signed with different keys, so neither can pass for the other. */
export type TokenKind = 'access' | 'refresh';

export interface SigningKey {
  kid: string;
  alg: JwtAlgorithm;
  /** The private key (asymmetric) or the secret (HS256). */
  privateKey: KeyObject;
  /** What verifies: the public key, or the same secret. */
  verifyKey: KeyObject;
  /** Length of its signatures in bytes, for the canonical-form check (RS256: the modulus length). */
  signatureBytes?: number;
  /** The public JWK for the JWKS; undefined for HS256 secrets. */
  publicJwk?: PublicJwk;
}

/** A public key as the JWKS publishes it. */
export type PublicJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' };
