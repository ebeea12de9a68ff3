import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ClientInfo } from '../authenticated-user';

/** The caller's IP (from the socket, or X-Forwarded-For only with TRUST_PROXY=true) and user agent. */
export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): ClientInfo => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null };
});
