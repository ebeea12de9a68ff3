import { Module } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AUTH_THROTTLER, LOGIN_THROTTLER, RateLimitGuard } from './rate-limit.guard';

/** RATE_LIMIT_AUTH and RATE_LIMIT_LOGIN; counted in process, or in Redis (REDIS_URL) so that every instance shares them. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          { name: AUTH_THROTTLER, limit: config.rateLimit.auth.limit, ttl: config.rateLimit.auth.windowSeconds * 1000 },
          { name: LOGIN_THROTTLER, limit: config.rateLimit.login.limit, ttl: config.rateLimit.login.windowSeconds * 1000 },
        ],
        skipIf: () => !config.rateLimit.enabled,
        setHeaders: false,
        storage: config.redisUrl
          ? new ThrottlerStorageRedisService(config.redisUrl, { keyPrefix: config.redisKeyPrefix, maxRetriesPerRequest: 2 })
          : undefined,
      }),
    }),
  ],
  providers: [RateLimitGuard],
  exports: [ThrottlerModule, RateLimitGuard],
})
export class RateLimitModule {}
