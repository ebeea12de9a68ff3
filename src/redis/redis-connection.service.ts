import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { ReplyError } from 'ioredis';
import { RedisConfig, redisConfig } from './redis.config';

/** A command that has not answered within this long is failed (and the connection re-made). */
const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 2000;

export type RedisStatus = 'up' | 'down' | 'not configured';

/**
 * The service's one Redis connection (REDIS_URL), for what instances share.
 * It never makes a request wait on a dead Redis: commands are not queued
 * while disconnected and time out quickly; reconnection backs off up to
 * two seconds; losing and regaining Redis is logged once each.
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnection.name);
  readonly client?: Redis;
  private lost = false;
  private stopping = false;

  constructor(@Inject(redisConfig.KEY) config: RedisConfig) {
    if (!config.redisUrl) return;
    this.client = new Redis(config.redisUrl, {
      keyPrefix: config.redisKeyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      keepAlive: 5000,
      retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, MAX_RECONNECT_DELAY_MS),
    });
    this.client.on('ready', () => {
      if (this.lost) this.logger.log('Redis is reachable again');
      this.lost = false;
    });
    // ioredis reports every failed reconnection; one line per outage is enough.
    this.client.on('error', (error: Error) => this.markLost(error));
    this.client.on('close', () => this.markLost());
  }

  /** Whether commands can be sent now. */
  get ready(): boolean {
    return this.client?.status === 'ready';
  }

  /** Reports a command that failed: a timeout means a silent connection, which is then re-made. */
  commandFailed(error: unknown): void {
    if (error instanceof ReplyError) return;
    this.markLost(error as Error);
    if (this.client?.status === 'ready') this.client.disconnect(true);
  }

  async status(): Promise<RedisStatus> {
    if (!this.client) return 'not configured';
    if (!this.ready) return 'down';
    try {
      await this.client.ping();
      return 'up';
    } catch (error) {
      this.commandFailed(error);
      return 'down';
    }
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    this.client?.disconnect(false);
  }

  private markLost(error?: Error): void {
    if (this.lost || this.stopping) return;
    this.lost = true;
    this.logger.warn(
      `Redis unreachable${error ? ` (${(error as { code?: string }).code ?? error.message})` : ''}; rate limits are counted in process until it is back`,
    );
  }
}
