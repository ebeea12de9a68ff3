import { applyDecorators, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { AppError } from '../../common/error-code';
import { normalizeEmail } from '../../users/email';
import type { SessionPrincipal } from '../authenticated-user';

/** Per client IP, shared by register, login and refresh (RATE_LIMIT_AUTH). */
export const AUTH_THROTTLER = 'auth';
/** Per client IP and email, every login attempt (RATE_LIMIT_LOGIN). */
export const LOGIN_THROTTLER = 'login';
/** Per user, every check of the current password by a signed-in user (RATE_LIMIT_LOGIN). */
export const PASSWORD_CHECK_USER_THROTTLER = 'password-check-user';
/** Per client IP, the same checks whoever's they are (RATE_LIMIT_LOGIN). */
export const PASSWORD_CHECK_IP_THROTTLER = 'password-check-ip';

/**
 * The throttler of the credential routes. The client IP comes from the socket
 * (X-Forwarded-For only with TRUST_PROXY=true, through Fastify's trustProxy);
 * keys are shared across routes and, with Redis, across instances.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** The named throttlers (of RateLimitModule) this guard counts. */
  protected readonly counts: readonly string[] = [AUTH_THROTTLER, LOGIN_THROTTLER];

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.filter((throttler) => this.counts.includes(throttler.name!));
  }

  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    return `rate-limit:${createHash('sha256')
      .update(`${name}:${this.subject(context, tracker, name)}`)
      .digest('hex')}`;
  }

  /** What a throttler counts by: the client IP, and for logins the email too. */
  protected subject(context: ExecutionContext, tracker: string, name: string): string {
    if (name !== LOGIN_THROTTLER) return tracker;
    const body = context.switchToHttp().getRequest<FastifyRequest>().body as { email?: unknown } | undefined;
    return `${tracker}:${typeof body?.email === 'string' ? normalizeEmail(body.email) : ''}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    const retryAfterSeconds = Math.max(1, Math.ceil(limit.timeToBlockExpire));
    throw new AppError('RATE_LIMITED', `Too many attempts; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

/**
 * Counts checks of the signed-in user's password per user (whatever the IP or
 * session) and per client IP, so a stolen access token cannot be used to guess
 * the password. Runs after the global guards: the user is known.
 */
@Injectable()
export class PasswordCheckRateLimitGuard extends RateLimitGuard {
  protected override readonly counts: readonly string[] = [PASSWORD_CHECK_USER_THROTTLER, PASSWORD_CHECK_IP_THROTTLER];

  protected override subject(context: ExecutionContext, tracker: string, name: string): string {
    if (name !== PASSWORD_CHECK_USER_THROTTLER) return tracker;
    const user = context.switchToHttp().getRequest<FastifyRequest & { user?: SessionPrincipal }>().user;
    return user?.id ?? tracker;
  }
}

/** For a route that checks the signed-in user's password: RATE_LIMIT_LOGIN per user and per client IP. */
export const LimitPasswordChecks = (): MethodDecorator & ClassDecorator => applyDecorators(UseGuards(PasswordCheckRateLimitGuard));
