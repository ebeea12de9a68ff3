import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../common/error-code';
import { AuthService } from '../auth.service';
import { SessionPrincipal } from '../authenticated-user';
import { TokenCookies } from '../token-cookies';

/**
 * For logout: finds the session from a valid access token, else from any
 * well-signed refresh token, and never refuses; logout is idempotent, so a
 * request with no usable token simply ends nothing.
 */
@Injectable()
export class OptionalSessionGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly cookies: TokenCookies,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: SessionPrincipal }>();
    request.user = (await this.fromAccessToken(request)) ?? (await this.fromRefreshToken(request));
    return true;
  }

  private async fromAccessToken(request: FastifyRequest): Promise<SessionPrincipal | undefined> {
    try {
      const presented = this.cookies.accessToken(request);
      return presented && (await this.auth.authenticateAccess(presented.token, presented.via));
    } catch (error) {
      if (error instanceof AppError) return undefined;
      throw error;
    }
  }

  private async fromRefreshToken(request: FastifyRequest): Promise<SessionPrincipal | undefined> {
    const presented = this.cookies.refreshToken(request);
    try {
      return presented && (await this.auth.authenticateRefresh(presented.token, presented.via));
    } catch (error) {
      if (error instanceof AppError) return undefined;
      throw error;
    }
  }
}
