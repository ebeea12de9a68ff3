import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { Jwt } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { RefreshPrincipal } from '../principals';
import { TokenCookies } from '../token-cookies';
import { TokenService } from '../token.service';
import { JWT_REFRESH_STRATEGY } from './strategy-names';

/**
 * Refresh tokens from the JSON body (`refreshToken`, body transport) or the
 * refresh cookie. Only signature and claims are checked here: the KeyStore
 * decides at rotation (current key, grace window, or reuse).
 */
@Injectable()
export class JwtRefreshStrategy extends PassportStrategy(Strategy, JWT_REFRESH_STRATEGY) {
  constructor(
    private readonly tokens: TokenService,
    private readonly cookies: TokenCookies,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromBodyField('refreshToken'), cookies.extractor('refresh')]),
      ...tokens.passportOptions('refresh'),
      passReqToCallback: true,
    });
  }

  validate(request: FastifyRequest, decoded: Jwt): RefreshPrincipal {
    const claims = this.tokens.claims('refresh', decoded);
    return { id: claims.sub, sessionId: claims.sid, refreshKey: claims.prm, via: this.cookies.refreshToken(request)!.via };
  }
}
