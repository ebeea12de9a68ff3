import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from '../common/authenticated-user';
import type { AuditActor } from './audit-log.service';

/** The admin making the request and their IP, as the audit log records them, and the request's id. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): AuditActor => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { user: AuthenticatedUser }>();
  return { actorId: request.user.id, ip: request.ip ?? null, requestId: request.id };
});
