import { SetMetadata } from '@nestjs/common';

export const ROLES = 'auth:roles';

/** The route needs one of these roles (from the access token's `roles` claim). */
export const Roles = (...roles: string[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);
