import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { RateLimit, RateLimitConfig, rateLimitConfig } from './rate-limit.config';
import { FallbackThrottlerStorage } from './fallback-throttler-storage';
import {
  AUTH_THROTTLER,
  ForgotPasswordRateLimitGuard,
  LOGIN_LIMITED_THROTTLERS,
  PasswordCheckRateLimitGuard,
  RateLimitGuard,
  VerificationMailRateLimitGuard,
} from './rate-limit.guard';

/** Where the counters live: Redis when REDIS_URL is set and reachable, else this process. */
@Module({
  providers: [FallbackThrottlerStorage],
  exports: [FallbackThrottlerStorage],
})
class RateLimitStorageModule {}

/**
 * RATE_LIMIT_AUTH and RATE_LIMIT_LOGIN (logins, password checks of signed-in users, requests for mailed links); counted in Redis (REDIS_URL)
 * so that every instance shares them, in process without it.
 */
@Module({
  imports: [
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [rateLimitConfig.KEY, FallbackThrottlerStorage],
      useFactory: (config: RateLimitConfig, storage: FallbackThrottlerStorage) => ({
        throttlers: [
          { name: AUTH_THROTTLER, ...limitOf(config.rateLimit.auth) },
          ...LOGIN_LIMITED_THROTTLERS.map((name) => ({
            name,
            ...limitOf(config.rateLimit.login),
          })),
        ],
        skipIf: () => !config.rateLimit.enabled,
        setHeaders: false,
        storage,
      }),
    }),
  ],
  providers: [RateLimitGuard, PasswordCheckRateLimitGuard, ForgotPasswordRateLimitGuard, VerificationMailRateLimitGuard],
  exports: [ThrottlerModule, RateLimitGuard, PasswordCheckRateLimitGuard, ForgotPasswordRateLimitGuard, VerificationMailRateLimitGuard, RateLimitStorageModule],
})
export class RateLimitModule {}

function limitOf(rate: RateLimit): { limit: number; ttl: number } {
  return { limit: rate.limit, ttl: rate.windowSeconds * 1000 };
}
