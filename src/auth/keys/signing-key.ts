import { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { JwtAlgorithm } from '../../config/app-config';

/** Access and refresh tokens are signed with different keys, so neither can pass for the other. */
export type TokenKind = 'access' | 'refresh';

export interface SigningKey {
  kid: string;
  alg: JwtAlgorithm;
  /** The private key (asymmetric) or the secret (HS256). */
  privateKey: KeyObject;
  /** What verifies: the public key, or the same secret. */
  verifyKey: KeyObject;
  /** The public JWK for the JWKS; undefined for HS256 secrets. */
  publicJwk?: JWK;
}
