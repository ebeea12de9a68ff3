import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';

/** Pings Redis when REDIS_URL is configured; reports nothing otherwise. */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private readonly client?: Redis;

  constructor(
    @InjectConfig() config: AppConfig,
    private readonly health: HealthIndicatorService,
  ) {
    if (config.redisUrl) {
      this.client = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      this.client.on('error', () => undefined); // the readiness probe reports it
    }
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  async isHealthy(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      if (this.client!.status === 'wait' || this.client!.status === 'end') await this.client!.connect();
      await this.client!.ping();
      return indicator.up();
    } catch {
      return indicator.down({ message: 'Redis is not reachable' });
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.client?.disconnect();
  }
}
