import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Observable } from 'rxjs';

const requestIds = new AsyncLocalStorage<string>();

/** The id of the HTTP request being handled (its X-Request-Id), or null outside one: a scheduled job, a command. */
export function currentRequestId(): string | null {
  return requestIds.getStore() ?? null;
}

/**
 * Runs each request's handler, and whatever it awaits or starts, with the
 * request's id at hand for currentRequestId(): the services that record
 * security events are not given the request.
 */
@Injectable()
export class RequestScope implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // Nest binds the handler to the async context handle() is called in.
    return requestIds.run(request.id, () => next.handle());
  }
}
