import { DynamicModule, Module, Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import type { DestinationStream, Logger } from 'pino';
import { APP_FILTER } from '@nestjs/core';
import { AccountModule, recoveryConfig } from './account';
import { adminConfig, AdminModule } from './admin';
import { accountPages } from './account-pages/account-pages.module';
import { authConfig } from './auth/auth.config';
import { AuthModule } from './auth/auth.module';
import { CacheInvalidationModule } from './cache/cache-invalidation.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { Clock, ClockModule } from './common/clock';
import { serverConfig } from './config/server.config';
import { databaseConfig } from './database/database.config';
import { DatabaseModule, ExtraMigrations } from './database/database.module';
import { HealthModule, metricsEndpoint } from './health/health.module';
import { identitiesConfig } from './identities';
import { LoggingModule } from './logging/logging.module';
import { metricsConfig } from './metrics/metrics.config';
import { MetricsModule } from './metrics/metrics.module';
import { redisConfig } from './redis/redis.config';
import { RedisModule } from './redis/redis.module';
import { mailConfig } from './mail/mail.config';
import { mfaConfig } from './mfa';
import { passkeysConfig } from './passkeys';
import { rateLimitConfig } from './rate-limit';
import { SecurityEventsModule, securityEventsConfig } from './security-events';
import { sessionsConfig, SessionsModule } from './sessions';
import { tokensConfig, TokensModule } from './tokens';
import { UsersModule, usersConfig } from './users';

export interface AppOptions {
  /** Where log lines go (default: standard output). */
  logDestination?: DestinationStream;
  /** Feature modules to compose with the service (e2e tests of a feature module use it too). */
  modules?: Array<Type | DynamicModule>;
  /** The time the service goes by (tests move it forward); the system clock by default. */
  clock?: Clock;
  /** Globs of the migrations of `modules` that live outside src/database/migrations. */
  migrations?: ExtraMigrations;
}

/**
 * The service. Its configuration comes from the environment: each module
 * reads and validates its own variables (`registerAs`), loaded here for every
 * module to inject; a feature module adds its own with `ConfigModule.forFeature`.
 */
@Module({})
export class AppModule {
  static forRoot(options: AppOptions & { logger: Logger }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          // main.ts and the command-line tools load .env themselves; tests set the environment they mean.
          ignoreEnvFile: true,
          load: [
            serverConfig,
            databaseConfig,
            redisConfig,
            usersConfig,
            mailConfig,
            metricsConfig,
            tokensConfig,
            sessionsConfig,
            rateLimitConfig,
            authConfig,
            recoveryConfig,
            mfaConfig,
            passkeysConfig,
            identitiesConfig,
            adminConfig,
            securityEventsConfig,
          ],
        }),
        // `auth.session.*` and the like work in @OnEvent.
        EventEmitterModule.forRoot({ wildcard: true }),
        ClockModule.forRoot(options.clock),
        LoggingModule.forRoot(options.logger),
        MetricsModule,
        ...metricsEndpoint(),
        ScheduleModule.forRoot(),
        DatabaseModule.forRoot(options.migrations),
        RedisModule,
        CacheInvalidationModule,
        UsersModule,
        SecurityEventsModule,
        SessionsModule,
        TokensModule,
        AuthModule,
        AccountModule,
        AdminModule,
        HealthModule,
        accountPages(),
        ...(options.modules ?? []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
