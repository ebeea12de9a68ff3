import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthenticatedUser } from '../../common/authenticated-user';
import { handlerMetadata } from '../../common/decorators/handler-metadata';
import { REQUIRE_AAL2 } from '../../common/decorators/require-aal2.decorator';
import { AppError } from '../../common/error-code';

/** Global; enforces `@RequireAal2()` with the session's assurance as the KeyStore holds it now. */
@Injectable()
export class AssuranceGuard implements CanActivate {
  private readonly requiresAal2: (context: ExecutionContext) => boolean | undefined;

  constructor(reflector: Reflector) {
    this.requiresAal2 = handlerMetadata<boolean>(reflector, REQUIRE_AAL2);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.requiresAal2(context)) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    if (user?.aal !== 'aal2') throw new AppError('MFA_REQUIRED', 'This needs a session signed in with a second factor: sign in again with it');
    return true;
  }
}
