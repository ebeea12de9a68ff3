import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuthConfig, authConfig, RateLimit } from '../auth.config';
import { FallbackThrottlerStorage } from './fallback-throttler-storage';
import {
  AUTH_THROTTLER,
  LOGIN_THROTTLER,
  PASSWORD_CHECK_IP_THROTTLER,
  PASSWORD_CHECK_USER_THROTTLER,
  PasswordCheckRateLimitGuard,
  RateLimitGuard,
} from './rate-limit.guard';

/** Where the counters live: Redis when REDIS_URL is set and reachable, else this process. */
@Module({
  providers: [FallbackThrottlerStorage],
  exports: [FallbackThrottlerStorage],
})
class RateLimitStorageModule {}

/**
 * RATE_LIMIT_AUTH and RATE_LIMIT_LOGIN (logins, and password checks of signed-in users); counted in Redis (REDIS_URL)
 * so that every instance shares them, in process without it.
 */
@Module({
  imports: [
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [authConfig.KEY, FallbackThrottlerStorage],
      useFactory: (config: AuthConfig, storage: FallbackThrottlerStorage) => ({
        throttlers: [
          { name: AUTH_THROTTLER, ...limitOf(config.rateLimit.auth) },
          ...[LOGIN_THROTTLER, PASSWORD_CHECK_USER_THROTTLER, PASSWORD_CHECK_IP_THROTTLER].map((name) => ({
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
  providers: [RateLimitGuard, PasswordCheckRateLimitGuard],
  exports: [ThrottlerModule, RateLimitGuard, PasswordCheckRateLimitGuard, RateLimitStorageModule],
})
export class RateLimitModule {}

function limitOf(rate: RateLimit): { limit: number; ttl: number } {
  return { limit: rate.limit, ttl: rate.windowSeconds * 1000 };
}
