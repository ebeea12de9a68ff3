import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { SessionPrincipal } from '../authenticated-user';
import { IS_PUBLIC } from '../decorators/public.decorator';
import { JwtStrategy } from '../strategies/jwt.strategy';

/**
 * The global guard: every route needs a valid access token unless marked
 * `@Public()`. It calls this application's JwtStrategy directly rather than
 * through passport.authenticate, whose strategy registry is process-wide:
 * with two applications in one process (tests, workers) the last one
 * registered would authenticate for both.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: SessionPrincipal }>();
    request.user = await this.strategy.validate(request);
    return true;
  }
}
