import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { AppError } from '../../common/error-code';
import { normalizeEmail } from '../../users/email';

/** Per client IP, shared by register, login and refresh (RATE_LIMIT_AUTH). */
export const AUTH_THROTTLER = 'auth';
/** Per client IP and email, every login attempt (RATE_LIMIT_LOGIN). */
export const LOGIN_THROTTLER = 'login';

/**
 * The throttler of the credential routes. The client IP comes from the socket
 * (X-Forwarded-For only with TRUST_PROXY=true, through Fastify's trustProxy);
 * keys are shared across routes and, with Redis, across instances.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    let key = `${name}:${tracker}`;
    if (name === LOGIN_THROTTLER) {
      const email = context.switchToHttp().getRequest<FastifyRequest>().body as { email?: unknown } | undefined;
      key += `:${typeof email?.email === 'string' ? normalizeEmail(email.email) : ''}`;
    }
    return `rate-limit:${createHash('sha256').update(key).digest('hex')}`;
  }

  protected override async throwThrottlingException(context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(limit.timeToBlockExpire));
    context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(retryAfter));
    throw new AppError('RATE_LIMITED', `Too many attempts; try again in ${retryAfter} s`);
  }
}
