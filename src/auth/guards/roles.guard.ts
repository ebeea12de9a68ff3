import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../../common/error-code';
import { AuthenticatedUser } from '../../common/authenticated-user';
import { handlerMetadata } from '../../common/decorators/handler-metadata';
import { ROLES } from '../../common/decorators/roles.decorator';

/** Global; enforces `@Roles()` on routes that declare it. */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly rolesOf: (context: ExecutionContext) => string[] | undefined;

  constructor(reflector: Reflector) {
    this.rolesOf = handlerMetadata<string[]>(reflector, ROLES);
  }

  canActivate(context: ExecutionContext): boolean {
    const roles = this.rolesOf(context);
    if (!roles?.length) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    if (!user?.roles?.some((role) => roles.includes(role))) {
      throw new AppError('FORBIDDEN', `This needs the role ${roles.join(' or ')}`);
    }
    return true;
  }
}
