import { applyDecorators, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { AppError } from '../common/error-code';
import { normalizeEmail } from '../users';

/** Per client IP, shared by register, login and refresh (RATE_LIMIT_AUTH). */
export const AUTH_THROTTLER = 'auth';
/** Per client IP and email, every login attempt (RATE_LIMIT_LOGIN). */
export const LOGIN_THROTTLER = 'login';
/** Per user, every check of the current password by a signed-in user (RATE_LIMIT_LOGIN). */
export const PASSWORD_CHECK_USER_THROTTLER = 'password-check-user';
/** Per client IP, the same checks whoever's they are (RATE_LIMIT_LOGIN). */
export const PASSWORD_CHECK_IP_THROTTLER = 'password-check-ip';
/** Per client IP and email, requests for a reset link (RATE_LIMIT_LOGIN), counted apart from logins: failed logins must not block the reset. */
export const FORGOT_PASSWORD_THROTTLER = 'forgot-password';
/** Per user, requests for a new verification link (RATE_LIMIT_LOGIN): nobody's mailbox is flooded. */
export const VERIFICATION_MAIL_THROTTLER = 'verification-mail';

/** What each throttler counts by. */
const COUNTED_BY: Record<string, 'ip' | 'ip-and-email' | 'user'> = {
  [AUTH_THROTTLER]: 'ip',
  [LOGIN_THROTTLER]: 'ip-and-email',
  [PASSWORD_CHECK_USER_THROTTLER]: 'user',
  [PASSWORD_CHECK_IP_THROTTLER]: 'ip',
  [FORGOT_PASSWORD_THROTTLER]: 'ip-and-email',
  [VERIFICATION_MAIL_THROTTLER]: 'user',
};

/** The throttlers that count as RATE_LIMIT_LOGIN does (all but AUTH_THROTTLER). */
export const LOGIN_LIMITED_THROTTLERS = Object.keys(COUNTED_BY).filter((name) => name !== AUTH_THROTTLER);

/**
 * The throttler of the credential routes. The client IP comes from the socket
 * (or X-Forwarded-For, as far as TRUST_PROXY trusts it, through Fastify's trustProxy);
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

  /** What a throttler counts by (COUNTED_BY): the client IP, with the email of the body, or the signed-in user. */
  private subject(context: ExecutionContext, tracker: string, name: string): string {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: { id: string } }>();
    switch (COUNTED_BY[name]) {
      case 'ip-and-email': {
        const email = (request.body as { email?: unknown } | undefined)?.email;
        return `${tracker}:${typeof email === 'string' ? normalizeEmail(email) : ''}`;
      }
      case 'user':
        return request.user?.id ?? tracker;
      default:
        return tracker;
    }
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
}

@Injectable()
export class ForgotPasswordRateLimitGuard extends RateLimitGuard {
  protected override readonly counts: readonly string[] = [FORGOT_PASSWORD_THROTTLER];
}

@Injectable()
export class VerificationMailRateLimitGuard extends RateLimitGuard {
  protected override readonly counts: readonly string[] = [VERIFICATION_MAIL_THROTTLER];
}

/** For a route that checks the signed-in user's password: RATE_LIMIT_LOGIN per user and per client IP. */
export const LimitPasswordChecks = (): MethodDecorator & ClassDecorator => applyDecorators(UseGuards(PasswordCheckRateLimitGuard));
