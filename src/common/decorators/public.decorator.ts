import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const IS_PUBLIC = 'auth:isPublic';
/** Marks the operation in the OpenAPI document, which then lists no security requirement for it. */
export const PUBLIC_OPERATION = 'x-public';

/** Opts a route (or controller) out of the global access-token guard. */
export const Public = (): MethodDecorator & ClassDecorator => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_OPERATION, true));
