import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SessionPrincipal } from '../authenticated-user';
import { JwtRefreshStrategy } from '../strategies/jwt-refresh.strategy';

/** Authenticates refresh requests by their refresh token (this application's strategy; see JwtAuthGuard). */
@Injectable()
export class JwtRefreshGuard implements CanActivate {
  constructor(private readonly strategy: JwtRefreshStrategy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: SessionPrincipal }>();
    request.user = await this.strategy.validate(request);
    return true;
  }
}
