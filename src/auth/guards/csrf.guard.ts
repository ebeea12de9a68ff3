import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SessionAuthenticator } from '../../sessions';
import { SessionPrincipal } from '../../tokens';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A request authenticated by a cookie with an unsafe method must carry the
 * session's CSRF token in `X-CSRF-Token`. Runs after whichever guard set the
 * principal: globally after JwtAuthGuard, and on refresh and logout after theirs.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(private readonly sessions: SessionAuthenticator) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: SessionPrincipal }>();
    const principal = request.user;
    // Most requests are not cookie-authenticated unsafe ones: answered without a promise.
    if (!principal || principal.via !== 'cookie' || SAFE_METHODS.has(request.method)) return true;
    return this.sessions.assertCsrfToken(principal.sessionId, csrfHeader(request)).then(() => true);
  }
}

export function csrfHeader(request: FastifyRequest): string | undefined {
  const value = request.headers['x-csrf-token'];
  return typeof value === 'string' && value ? value : undefined;
}
