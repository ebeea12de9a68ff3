import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard, IAuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../common/error-code';
import { JWT_REFRESH_STRATEGY, JWT_STRATEGY, passportOutcome, SessionPrincipal, TokenCookies } from '../../tokens';

/** A Passport guard for one strategy, whose refusal is an AppError like the global guard's. */
function attemptWith(strategy: string): IAuthGuard {
  class Attempt extends AuthGuard(strategy) {
    override handleRequest<T>(error: unknown, user: T | false, info: unknown): T {
      return passportOutcome(error, user, info, 'token');
    }
  }
  return new Attempt();
}

/**
 * For logout: finds the session from a valid access token (the `jwt`
 * strategy), else from any well-signed refresh token (`jwt-refresh`), and
 * never refuses: logout is idempotent, so a request with no usable token
 * simply ends nothing.
 */
@Injectable()
export class OptionalSessionGuard implements CanActivate {
  private readonly attempts = [attemptWith(JWT_STRATEGY), attemptWith(JWT_REFRESH_STRATEGY)];

  constructor(private readonly cookies: TokenCookies) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: SessionPrincipal }>();
    // A refreshToken that is not a string is a bad request, not an absent token.
    this.cookies.refreshToken(request);
    for (const attempt of this.attempts) {
      try {
        if (await attempt.canActivate(context)) return true;
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
      }
    }
    request.user = undefined;
    return true;
  }
}
