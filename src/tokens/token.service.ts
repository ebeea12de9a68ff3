import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Jwt, JwtPayload, VerifyOptions } from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import type { SecretOrKeyProvider } from 'passport-jwt';
import { randomUUID } from 'node:crypto';
import type { AssuranceLevel, AuthMethod } from '../common/authenticated-user';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { SessionsConfig, sessionsConfig } from '../sessions';
import { TokensConfig, tokensConfig } from './tokens.config';
import { SignedToken } from './principals';
import { isCanonicalJwt, withCanonicalSignature } from './jwt-canonical-form';
import { kidOf, verifyOptions } from './keys/jwt-module-options';
import { SigningKey, TokenKind } from './keys/signing-key';
import { SigningKeysService } from './keys/signing-keys.service';

export const TOKEN_TYPES: Record<TokenKind, string> = { access: 'at+jwt', refresh: 'refresh+jwt' };

interface SessionClaims {
  /** User id. */
  sub: string;
  /** Session id: the KeyStore row. */
  sid: string;
  /** The session's current access or refresh key. */
  prm: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface AccessClaims extends SessionClaims {
  roles: string[];
  /** How the session was started, for resource servers that verify tokens on their own; this service reads the KeyStore's. */
  aal?: AssuranceLevel;
  amr?: AuthMethod[];
}

export type RefreshClaims = SessionClaims;

type ClaimsOf<K extends TokenKind> = K extends 'access' ? AccessClaims : RefreshClaims;

/**
 * What passport-jwt needs to verify a token of one kind; the strategies spread
 * it into their options. (passport-jwt overwrites `algorithms`, `issuer`,
 * `audience` and `ignoreExpiration` of `jsonWebTokenOptions` with its own
 * top-level options, undefined or not: they must be given there.)
 */
export interface PassportJwtOptions {
  secretOrKeyProvider: SecretOrKeyProvider;
  algorithms: VerifyOptions['algorithms'];
  issuer: string;
  audience: string;
  ignoreExpiration: boolean;
  jsonWebTokenOptions: VerifyOptions;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const VERIFIED_TOKENS_MAX = 50_000;

const LABELS: Record<TokenKind, string> = { access: 'access token', refresh: 'refresh token' };

/**
 * Encodes, decodes and validates JWTs, through @nestjs/jwt's JwtService (the
 * only code that signs). Verification is shared with the Passport strategies:
 * they take the key lookup and jsonwebtoken's options from here, let
 * passport-jwt check the signature, and hand the decoded token back to
 * `claims()` for what jsonwebtoken does not check: `typ`, the required claims
 * and their form, and the times (`exp`, `nbf`, `iat`) against the injected
 * clock, within JWT_CLOCK_TOLERANCE.
 */
@Injectable()
export class TokenService {
  /**
   * Access tokens whose signature and claims were verified, keyed by the exact
   * token string (only the canonical spelling of a token is accepted), each
   * kept until its `exp` plus the clock tolerance. It spares repeated
   * signature checks only: the KeyStore check still runs on every request.
   */
  private readonly verifiedAccessTokens = new LRUCache<string, AccessClaims>({ max: VERIFIED_TOKENS_MAX, ttlAutopurge: false });

  constructor(
    private readonly jwt: JwtService,
    private readonly keys: SigningKeysService,
    @Inject(tokensConfig.KEY) private readonly config: TokensConfig,
    @Inject(sessionsConfig.KEY) private readonly lifetimes: SessionsConfig,
    private readonly clock: Clock,
  ) {}

  signAccess(claims: { sub: string; sid: string; prm: string; roles: string[]; aal: AssuranceLevel; amr: AuthMethod[] }, notAfter: Date): SignedToken {
    const expiresAt = Math.min(this.clock.now() + this.lifetimes.accessTokenTtlSeconds * 1000, notAfter.getTime());
    const { sid, prm, roles, aal, amr } = claims;
    return this.sign('access', { sid, prm, roles, aal, amr }, claims.sub, expiresAt);
  }

  /** Refresh tokens expire with their session's idle expiry (already capped by its absolute lifetime). */
  signRefresh(claims: { sub: string; sid: string; prm: string }, expiresAt: Date): SignedToken {
    return this.sign('refresh', { sid: claims.sid, prm: claims.prm }, claims.sub, expiresAt.getTime());
  }

  /** The key lookup and jsonwebtoken options for a passport-jwt strategy of `kind`. */
  passportOptions(kind: TokenKind): PassportJwtOptions {
    const { algorithms, issuer, audience, ignoreExpiration, ...jsonWebTokenOptions } = verifyOptions(this.config);
    return {
      algorithms,
      issuer: issuer as string,
      audience: audience as string,
      ignoreExpiration: ignoreExpiration!,
      jsonWebTokenOptions,
      secretOrKeyProvider: (_request, rawToken, done) => {
        try {
          // jsonwebtoken verifies with a KeyObject; passport-jwt's types only know strings and Buffers.
          done(null, this.keyFor(kind, rawToken as string).verifyKey as unknown as Buffer);
        } catch (error) {
          done(error);
        }
      },
    };
  }

  /**
   * The claims of a token whose signature jsonwebtoken verified (decoded with
   * `complete: true`), checked for everything else a token of `kind` must be.
   */
  claims<K extends TokenKind>(kind: K, decoded: Jwt): ClaimsOf<K> {
    const label = LABELS[kind];
    const invalid = (reason: string) => new AppError('TOKEN_INVALID', `The ${label} ${reason}`);
    if (decoded.header.typ !== TOKEN_TYPES[kind]) throw invalid('is not of this kind');
    const payload = decoded.payload as JwtPayload;
    const { sub, sid, prm, jti, iat, exp, nbf } = payload;
    if (!isUuid(sub) || !isUuid(sid) || typeof prm !== 'string' || !prm || typeof jti !== 'string' || !jti) {
      throw invalid('has malformed claims');
    }
    if (typeof exp !== 'number' || typeof iat !== 'number' || (nbf !== undefined && typeof nbf !== 'number')) {
      throw invalid('has malformed times');
    }
    const now = this.clock.nowSeconds();
    const tolerance = this.config.jwt.clockToleranceSeconds;
    if (iat > now + tolerance || (nbf !== undefined && nbf > now + tolerance)) throw invalid('is not valid yet');
    // No token of ours outlives its kind's longest lifetime, whatever its exp says.
    const longest = kind === 'access' ? this.lifetimes.accessTokenTtlSeconds : this.lifetimes.sessionMaxLifetimeSeconds;
    if (exp <= now - tolerance || now - iat > longest + tolerance) throw new AppError('TOKEN_EXPIRED', `The ${label} has expired`);
    if (kind === 'access' && !isStringArray(payload.roles)) throw invalid('has no valid roles claim');
    return payload as ClaimsOf<K>;
  }

  /** The claims of an access token verified before, while it is still within its lifetime. */
  cachedAccessClaims(token: string): AccessClaims | undefined {
    const claims = this.verifiedAccessTokens.get(token);
    if (claims && claims.exp + this.config.jwt.clockToleranceSeconds > this.clock.nowSeconds()) return claims;
    return undefined;
  }

  rememberAccessClaims(token: string, claims: AccessClaims): void {
    const validForMs = (claims.exp + this.config.jwt.clockToleranceSeconds) * 1000 - this.clock.now();
    if (validForMs > 0) this.verifiedAccessTokens.set(token, claims, { ttl: validForMs });
  }

  private sign(kind: TokenKind, claims: Record<string, unknown>, sub: string, expiresAtMs: number): SignedToken {
    const key = this.keys.signingKey(kind);
    const iat = this.clock.nowSeconds();
    const exp = Math.floor(expiresAtMs / 1000);
    // The synchronous sign: jsonwebtoken's callback form signs through a stream, several times slower.
    const token = this.jwt.sign(
      { ...claims, iat, exp },
      { algorithm: key.alg, keyid: key.kid, header: { alg: key.alg, typ: TOKEN_TYPES[kind], kid: key.kid }, subject: sub, jwtid: randomUUID() },
    );
    return { token: withCanonicalSignature(token, key.alg), expiresAt: new Date(exp * 1000), lifetimeSeconds: Math.max(0, exp - iat) };
  }

  /**
   * The key that verifies `token` as a token of `kind`: refused before any
   * signature check when the token is not in canonical form or names no key of
   * its kind (an access key never verifies a refresh token, nor the reverse).
   */
  private keyFor(kind: TokenKind, token: string): SigningKey {
    const key = this.keys.verificationKey(kind, kidOf(token));
    // Only the one spelling we sign is accepted: the verified-token cache and logs key tokens by their text.
    if (!key || !isCanonicalJwt(token, key.alg, key.signatureBytes)) throw new AppError('TOKEN_INVALID', `The ${LABELS[kind]} is not valid`);
    return key;
  }
}

function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
