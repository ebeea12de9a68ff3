import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedUser } from '../common/authenticated-user';
import { AppError } from '../common/error-code';
import { SessionAuthenticator } from '../sessions';
import { authenticateWith, JwtStrategy, PresentedToken, TokenCookies, TokenService } from '../tokens';

/**
 * The one way an access token is verified, for the global guard and for code
 * that gets tokens another way than HTTP (a WebSocket handshake, a queue
 * message): a token verified before answers from the verified-token cache,
 * any other goes through the `jwt` Passport strategy (signature, `typ`, `iss`,
 * `aud`, times, claims); either way its session is then checked in the
 * KeyStore, so a logged-out token is refused at once.
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionAuthenticator,
    private readonly strategy: JwtStrategy,
    private readonly cookies: TokenCookies,
  ) {}

  /**
   * The user and session of `token`, or the guard's error: TOKEN_MISSING,
   * TOKEN_INVALID, TOKEN_EXPIRED or SESSION_REVOKED (an AppError whose `code`
   * says which).
   */
  async verify(token: string): Promise<AuthenticatedUser> {
    if (typeof token !== 'string' || token === '') throw new AppError('TOKEN_MISSING', 'Send an access token');
    const request = { headers: { authorization: `Bearer ${token}` } } as FastifyRequest;
    const presented = this.cookies.accessToken(request)!;
    return this.verifyCached(presented) ?? authenticateWith<AuthenticatedUser>(this.strategy, request, 'access token');
  }

  /** A token whose signature and claims were verified before: only its session is checked again. */
  verifyCached(presented: PresentedToken): Promise<AuthenticatedUser> | undefined {
    const claims = this.tokens.cachedAccessClaims(presented.token);
    return claims && this.sessions.authenticateAccess(claims, presented.via);
  }
}
