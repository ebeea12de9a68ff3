import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../common/error-code';
import { JWT_REFRESH_STRATEGY, passportOutcome, TokenCookies } from '../../tokens';

/** Authenticates refresh requests by their refresh token, through the `jwt-refresh` strategy. */
@Injectable()
export class JwtRefreshGuard extends AuthGuard(JWT_REFRESH_STRATEGY) {
  constructor(private readonly cookies: TokenCookies) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // Refuses a refreshToken that is not a string (400) before Passport reads it.
    if (!this.cookies.refreshToken(context.switchToHttp().getRequest<FastifyRequest>())) {
      throw new AppError('TOKEN_MISSING', 'Send a refresh token: refreshToken in the body, or the refresh cookie');
    }
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<T>(error: unknown, user: T | false, info: unknown): T {
    return passportOutcome(error, user, info, 'refresh token');
  }
}
