import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource, EntityManager, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';

export const INVALIDATION_CHANNEL = 'auth_cache_invalidation';
const PENDING_KEYS = 'cacheInvalidation:pendingKeys';
const RECONNECT_DELAYS_MS = [100, 500, 1000, 2000, 5000];

type Listener = (key: string) => void;

/**
 * Keeps every instance's caches honest. A change publishes the keys it touched
 * inside its own transaction (`pg_notify`, delivered at commit to every
 * instance that LISTENs); this instance also drops them locally, at once and
 * again right after the commit. While the listening connection is down the
 * caches are bypassed, and cleared when it is back (notifications may have
 * been missed). The embedded database serves one instance: local eviction is
 * all there is to do.
 */
@Injectable()
export class CacheInvalidation implements OnModuleInit, OnApplicationShutdown, EntitySubscriberInterface {
  private readonly logger = new Logger(CacheInvalidation.name);
  private readonly listeners = new Set<Listener>();
  private listener?: Client;
  private connected: boolean;
  private stopped = false;
  private reconnectAttempt = 0;
  /** Bumped by every eviction: a cache load that saw it change must not store what it read. */
  private generation = 0;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectDataSource() dataSource: DataSource,
  ) {
    this.connected = !config.databaseUrl;
    dataSource.subscribers.push(this);
  }

  async onModuleInit(): Promise<void> {
    if (this.config.databaseUrl) await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.listener?.end().catch(() => undefined);
  }

  /** Whether cached entries can be trusted right now. */
  get healthy(): boolean {
    return this.connected;
  }

  get epoch(): number {
    return this.generation;
  }

  subscribe(listener: Listener): void {
    this.listeners.add(listener);
  }

  /** Tells every instance, when `manager`'s transaction commits, that `keys` changed. */
  async publish(manager: EntityManager, ...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await manager.query(`SELECT ${keys.map((_, index) => `pg_notify($1, $${index + 2})`).join(', ')}`, [INVALIDATION_CHANNEL, ...keys]);
    this.evictLocally(keys);
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) runner.data[PENDING_KEYS] = [...(runner.data[PENDING_KEYS] ?? []), ...keys];
  }

  /** TypeORM subscriber hook: evict again once the publishing transaction has committed. */
  afterTransactionCommit(event: TransactionCommitEvent): void {
    const keys = event.queryRunner.data[PENDING_KEYS] as string[] | undefined;
    if (!keys || event.queryRunner.isTransactionActive) return;
    delete event.queryRunner.data[PENDING_KEYS];
    this.evictLocally(keys);
  }

  /** For a change already committed (a single statement that ran its own pg_notify): drop it here at once. */
  dropCommitted(...keys: string[]): void {
    this.evictLocally(keys);
  }

  private evictLocally(keys: string[]): void {
    this.generation++;
    for (const key of keys) for (const listener of this.listeners) listener(key);
  }

  private evictEverything(): void {
    this.evictLocally(['*']);
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl, application_name: 'auth-cache-listener' });
    client.on('notification', (message) => {
      if (message.channel === INVALIDATION_CHANNEL && message.payload) this.evictLocally([message.payload]);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${INVALIDATION_CHANNEL}`);
    } catch (error) {
      this.logger.warn(`Cache invalidation listener cannot connect; caches bypassed: ${(error as Error).message}`);
      this.lost(client);
      return;
    }
    this.listener = client;
    this.reconnectAttempt = 0;
    // Changes made while nobody listened were never heard: start from empty caches.
    this.evictEverything();
    this.connected = true;
  }

  private lost(client: Client): void {
    if (this.listener !== undefined && this.listener !== client) return;
    this.listener = undefined;
    const wasConnected = this.connected;
    this.connected = false;
    this.evictEverything();
    client.end().catch(() => undefined);
    if (this.stopped) return;
    if (wasConnected) this.logger.warn('Cache invalidation listener lost; caches bypassed until it is back');
    const delay = RECONNECT_DELAYS_MS[Math.min(this.reconnectAttempt++, RECONNECT_DELAYS_MS.length - 1)];
    setTimeout(() => void this.listen(), delay).unref();
  }
}
