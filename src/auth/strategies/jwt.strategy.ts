import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppError } from '../../common/error-code';
import { AuthService } from '../auth.service';
import { AuthenticatedUser } from '../authenticated-user';
import { TokenCookies } from '../token-cookies';
import { JWT_STRATEGY } from './strategy-names';

/**
 * Access tokens from `Authorization: Bearer` or the access cookie. Built on
 * passport-custom because jsonwebtoken (under passport-jwt) has no EdDSA and
 * no `typ` check; TokenService (jose) does the verification.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    private readonly auth: AuthService,
    private readonly cookies: TokenCookies,
  ) {
    super();
  }

  async validate(request: FastifyRequest): Promise<AuthenticatedUser> {
    const presented = this.cookies.accessToken(request);
    if (!presented) throw new AppError('TOKEN_MISSING', 'Send an access token: Authorization: Bearer <token>, or the session cookie');
    return this.auth.authenticateAccess(presented.token, presented.via);
  }
}
