import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppError } from '../../common/error-code';
import { AuthService } from '../auth.service';
import { RefreshPrincipal } from '../authenticated-user';
import { TokenCookies } from '../token-cookies';
import { JWT_REFRESH_STRATEGY } from './strategy-names';

/** Refresh tokens from the JSON body (`refreshToken`, body transport) or the refresh cookie. */
@Injectable()
export class JwtRefreshStrategy extends PassportStrategy(Strategy, JWT_REFRESH_STRATEGY) {
  constructor(
    private readonly auth: AuthService,
    private readonly cookies: TokenCookies,
  ) {
    super();
  }

  async validate(request: FastifyRequest): Promise<RefreshPrincipal> {
    const presented = this.cookies.refreshToken(request);
    if (!presented) throw new AppError('TOKEN_MISSING', 'Send a refresh token: refreshToken in the body, or the refresh cookie');
    return this.auth.authenticateRefresh(presented.token, presented.via);
  }
}
