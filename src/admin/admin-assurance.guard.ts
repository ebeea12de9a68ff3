import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AuthenticatedUser } from '../common/authenticated-user';
import { AppError } from '../common/error-code';
import { AdminConfig, adminConfig } from './admin.config';

/**
 * With ADMIN_REQUIRE_MFA, an admin acts only from a session signed in with a
 * second factor. Runs after the global guards, so a non-admin is told
 * FORBIDDEN first and never learns what an admin would need.
 */
@Injectable()
export class AdminAssuranceGuard implements CanActivate {
  constructor(@Inject(adminConfig.KEY) private readonly config: AdminConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.config.requireMfa) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    if (user?.aal !== 'aal2') {
      throw new AppError('MFA_REQUIRED', 'Admin actions need a session signed in with a second factor (ADMIN_REQUIRE_MFA): sign in again with it');
    }
    return true;
  }
}
