import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { errors, JWTHeaderParameters, jwtVerify, JWTPayload, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { AppError } from '../common/error-code';
import { AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { isCanonicalJwt, withCanonicalSignature } from './jwt-canonical-form';
import { TokenKind } from './keys/signing-key';
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
}

export type RefreshClaims = SessionClaims;

export interface SignedToken {
  token: string;
  expiresAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const VERIFIED_TOKENS_MAX = 50_000;

/** Encodes, decodes and validates JWTs: the only code that signs. */
@Injectable()
export class TokenService {
  /**
   * Access tokens whose signature and claims were verified, keyed by the exact
   * token string, each kept until its `exp` (plus the clock tolerance). It
   * spares repeated signature checks only: the KeyStore check still runs on
   * every request.
   */
  private readonly verifiedAccessTokens = new LRUCache<string, AccessClaims>({ max: VERIFIED_TOKENS_MAX, ttlAutopurge: false });

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly keys: SigningKeysService,
  ) {}

  signAccess(claims: { sub: string; sid: string; prm: string; roles: string[] }, notAfter: Date): Promise<SignedToken> {
    const expiresAt = earlier(new Date(Date.now() + this.config.accessTokenTtlSeconds * 1000), notAfter);
    return this.sign('access', { sid: claims.sid, prm: claims.prm, roles: claims.roles }, claims.sub, expiresAt);
  }

  /** Refresh tokens expire with their session's idle expiry (already capped by its absolute lifetime). */
  signRefresh(claims: { sub: string; sid: string; prm: string }, expiresAt: Date): Promise<SignedToken> {
    return this.sign('refresh', { sid: claims.sid, prm: claims.prm }, claims.sub, expiresAt);
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const cached = this.verifiedAccessTokens.get(token);
    if (cached) return cached;
    const payload = await this.verify('access', token);
    if (!Array.isArray(payload.roles) || !payload.roles.every((role) => typeof role === 'string')) {
      throw new AppError('TOKEN_INVALID', 'The access token has no valid roles claim');
    }
    const claims = payload as unknown as AccessClaims;
    const validForMs = (claims.exp + this.config.jwt.clockToleranceSeconds) * 1000 - Date.now();
    if (validForMs > 0) this.verifiedAccessTokens.set(token, claims, { ttl: validForMs });
    return claims;
  }

  verifyRefresh(token: string): Promise<RefreshClaims> {
    return this.verify('refresh', token) as Promise<RefreshClaims>;
  }

  private async sign(kind: TokenKind, claims: JWTPayload, sub: string, expiresAt: Date): Promise<SignedToken> {
    const key = this.keys.signingKey(kind);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, typ: TOKEN_TYPES[kind], kid: key.kid })
      .setIssuer(this.config.jwt.issuer)
      .setAudience(this.config.jwt.audience)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token: withCanonicalSignature(token, key.alg), expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000) };
  }

  private async verify(kind: TokenKind, token: string): Promise<SessionClaims & JWTPayload> {
    const { jwt } = this.config;
    const label = kind === 'access' ? 'access token' : 'refresh token';
    // Only the one spelling we sign is accepted: the verified-token cache and logs key tokens by their text.
    if (!isCanonicalJwt(token, jwt.algorithm)) throw new AppError('TOKEN_INVALID', `The ${label} is not valid`);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.keyFor(kind, header), {
        algorithms: [jwt.algorithm],
        typ: TOKEN_TYPES[kind],
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockTolerance: jwt.clockToleranceSeconds,
        requiredClaims: ['sub', 'sid', 'prm', 'jti', 'iat', 'exp'],
        // Makes jose refuse an `iat` in the future; no token of ours outlives its session's absolute lifetime.
        maxTokenAge: kind === 'access' ? this.config.accessTokenTtlSeconds : this.config.sessionMaxLifetimeSeconds,
      }));
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof errors.JWTExpired) throw new AppError('TOKEN_EXPIRED', `The ${label} has expired`);
      throw new AppError('TOKEN_INVALID', `The ${label} is not valid`);
    }
    const { sub, sid, prm, jti } = payload;
    if (!isUuid(sub) || !isUuid(sid) || typeof prm !== 'string' || !prm || typeof jti !== 'string') {
      throw new AppError('TOKEN_INVALID', `The ${label} has malformed claims`);
    }
    return payload as SessionClaims & JWTPayload;
  }

  private keyFor(kind: TokenKind, header: JWTHeaderParameters) {
    const key = this.keys.verificationKey(kind, header.kid);
    if (!key) throw new AppError('TOKEN_INVALID', 'The token was not signed by a known key');
    return key;
  }
}

function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

function earlier(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}
