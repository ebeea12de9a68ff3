import { DynamicModule, Module, Type } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import type { DestinationStream } from 'pino';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { CacheModule } from './cache/cache.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { Clock, ClockModule } from './common/clock';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RedisModule } from './redis/redis.module';
import { UsersModule } from './users/users.module';

export interface AppOptions {
  /** Where log lines go (default: standard output). */
  logDestination?: DestinationStream;
  /** Feature modules to compose with the service (e2e tests of a feature module use it too). */
  modules?: Array<Type | DynamicModule>;
  /** The time the service goes by (tests move it forward); the system clock by default. */
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.forRoot(options.clock),
        LoggingModule.forRoot(config, options.logDestination),
        MetricsModule.forRoot(config),
        ScheduleModule.forRoot(),
        DatabaseModule,
        RedisModule,
        CacheModule,
        UsersModule,
        AuthModule,
        HealthModule,
        ...(options.modules ?? []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
