import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedUser } from '../../common/authenticated-user';
import { handlerMetadata } from '../../common/decorators/handler-metadata';
import { IS_PUBLIC } from '../../common/decorators/public.decorator';
import { AppError } from '../../common/error-code';
import { JWT_STRATEGY, passportOutcome, TokenCookies } from '../../tokens';
import { AccessTokenVerifier } from '../access-token-verifier.service';

/**
 * The global guard: every route needs a valid access token unless marked
 * `@Public()`. It verifies as AccessTokenVerifier does: a token verified
 * before answers from the verified-token cache, any other goes through the
 * `jwt` strategy; either way the session is checked against the KeyStore.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  private readonly isPublic: (context: ExecutionContext) => boolean | undefined;

  constructor(
    reflector: Reflector,
    private readonly cookies: TokenCookies,
    private readonly verifier: AccessTokenVerifier,
  ) {
    super();
    this.isPublic = handlerMetadata<boolean>(reflector, IS_PUBLIC);
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Public routes (health probes among them) pass without a promise.
    if (this.isPublic(context)) return true;
    return this.authenticate(context);
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthenticatedUser }>();
    const presented = this.cookies.accessToken(request);
    if (!presented) throw new AppError('TOKEN_MISSING', 'Send an access token: Authorization: Bearer <token>, or the session cookie');
    const cached = this.verifier.verifyCached(presented);
    if (cached) {
      request.user = await cached;
      return true;
    }
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<T>(error: unknown, user: T | false, info: unknown): T {
    return passportOutcome(error, user, info, 'access token');
  }
}
