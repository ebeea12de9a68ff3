import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Metrics } from '../metrics/metrics.service';
import { RedisConnection } from '../redis/redis-connection.service';

export type RateLimitStore = 'redis' | 'memory';

/**
 * Counts in Redis, shared by every instance, while Redis answers; in process
 * while it does not, so that a Redis outage never fails a request. Counting
 * goes back to Redis as soon as it is reachable again.
 */
@Injectable()
export class FallbackThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly memory = new ThrottlerStorageService();
  private readonly redisStorage?: ThrottlerStorageRedisService;

  constructor(
    private readonly redis: RedisConnection,
    metrics: Metrics,
  ) {
    if (redis.client) this.redisStorage = new ThrottlerStorageRedisService(redis.client);
    metrics.gauge(
      'auth_rate_limit_store',
      'Where rate limits are counted now (1): redis, or memory (this process)',
      () => {
        const store = this.store;
        return { redis: store === 'redis' ? 1 : 0, memory: store === 'memory' ? 1 : 0 };
      },
      'store',
    );
  }

  get store(): RateLimitStore {
    return this.redisStorage && this.redis.ready ? 'redis' : 'memory';
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (this.redisStorage && this.redis.ready) {
      try {
        return await this.redisStorage.increment(key, ttl, limit, blockDuration, throttlerName);
      } catch (error) {
        this.redis.commandFailed(error);
      }
    }
    return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.memory.onApplicationShutdown();
  }
}
