import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { Jwt } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AuthenticatedUser } from '../../common/authenticated-user';
import { SessionAuthenticator } from '../../sessions';
import { TokenCookies } from '../token-cookies';
import { TokenService } from '../token.service';
import { JWT_STRATEGY } from './strategy-names';

/**
 * Access tokens from `Authorization: Bearer` or the access cookie (the header
 * wins), the key looked up by `kid`; `validate` checks the claims and then the
 * session in the KeyStore.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionAuthenticator,
    private readonly cookies: TokenCookies,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), cookies.extractor('access')]),
      ...tokens.passportOptions('access'),
      passReqToCallback: true,
    });
  }

  async validate(request: FastifyRequest, decoded: Jwt): Promise<AuthenticatedUser> {
    const claims = this.tokens.claims('access', decoded);
    const presented = this.cookies.accessToken(request)!;
    this.tokens.rememberAccessClaims(presented.token, claims);
    return this.sessions.authenticateAccess(claims, presented.via);
  }
}
