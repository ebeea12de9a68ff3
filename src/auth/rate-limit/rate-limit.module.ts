import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { FallbackThrottlerStorage } from './fallback-throttler-storage';
import { AUTH_THROTTLER, LOGIN_THROTTLER, RateLimitGuard } from './rate-limit.guard';

/** Where the counters live: Redis when REDIS_URL is set and reachable, else this process. */
@Module({
  providers: [FallbackThrottlerStorage],
  exports: [FallbackThrottlerStorage],
})
class RateLimitStorageModule {}

/** RATE_LIMIT_AUTH and RATE_LIMIT_LOGIN; counted in Redis (REDIS_URL) so that every instance shares them, in process without it. */
@Module({
  imports: [
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [APP_CONFIG, FallbackThrottlerStorage],
      useFactory: (config: AppConfig, storage: FallbackThrottlerStorage) => ({
        throttlers: [
          { name: AUTH_THROTTLER, limit: config.rateLimit.auth.limit, ttl: config.rateLimit.auth.windowSeconds * 1000 },
          { name: LOGIN_THROTTLER, limit: config.rateLimit.login.limit, ttl: config.rateLimit.login.windowSeconds * 1000 },
        ],
        skipIf: () => !config.rateLimit.enabled,
        setHeaders: false,
        storage,
      }),
    }),
  ],
  providers: [RateLimitGuard],
  exports: [ThrottlerModule, RateLimitGuard, RateLimitStorageModule],
})
export class RateLimitModule {}
