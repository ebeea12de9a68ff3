import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';
import { DatabaseConnectivity } from '../database/connectivity/database-connectivity.service';
import { DatabaseConfig, databaseConfig } from '../database/database.config';
import { NotificationListener } from '../database/connectivity/notification-listener';
import { Metrics } from '../metrics/metrics.service';
import { InvalidationOutbox, queueInvalidations } from './invalidation-outbox';
import type { StatementPart } from './statement-part';

export const INVALIDATION_CHANNEL = 'auth_cache_invalidation';
const PENDING_KEYS = 'cacheInvalidation:pendingKeys';

type Listener = (key: string) => void;

/**
 * Keeps every instance's caches honest. A change queues the keys it touched
 * in the `cache_invalidations` outbox inside its own transaction; once it has
 * committed, the outbox sends them to every instance that LISTENs (one NOTIFY
 * per batch, off the path of each commit), and this instance drops them
 * locally at once and again right after the commit. While the listening
 * connection is down, or the database is, the caches are bypassed, and they
 * are cleared when both are back (notifications may have been missed). The
 * embedded database serves one instance: local eviction is all there is to do.
 */
@Injectable()
export class CacheInvalidation implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown, EntitySubscriberInterface {
  private readonly listeners = new Set<Listener>();
  private readonly listener?: NotificationListener;
  private readonly outbox?: InvalidationOutbox;
  /** Bumped by every eviction: a cache load that saw it change must not store what it read. */
  private generation = 0;

  constructor(
    @Inject(databaseConfig.KEY) config: DatabaseConfig,
    @InjectDataSource() dataSource: DataSource,
    private readonly connectivity: DatabaseConnectivity,
    metrics: Metrics,
  ) {
    dataSource.subscribers.push(this);
    metrics.gauge('auth_invalidation_listener_up', 'Whether invalidations from other instances arrive (1), or the caches are bypassed (0)', () =>
      this.listening ? 1 : 0,
    );
    if (config.databaseUrl) {
      this.listener = new NotificationListener({
        connectionString: config.databaseUrl,
        channel: INVALIDATION_CHANNEL,
        onNotification: (payload) => this.evictLocally(payload.split(',')),
        // Changes made while nobody listened were never heard: start from empty caches.
        onStateChange: () => this.evictEverything(),
      });
      this.outbox = new InvalidationOutbox(dataSource, INVALIDATION_CHANNEL);
    }
    connectivity.onChange((available) => {
      this.evictEverything();
      if (available) this.listener?.retryNow();
    });
  }

  async onModuleInit(): Promise<void> {
    await this.listener?.start();
    this.outbox?.start();
  }

  /** The last invalidations go out before any module's shutdown, TypeORM's (which closes the pool) included. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.outbox?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener?.stop();
  }

  /** Whether cached entries can be trusted right now. */
  get healthy(): boolean {
    return this.connectivity.available && (this.listener?.listening ?? true);
  }

  /** Whether invalidations from other instances arrive (always, on the embedded database). */
  get listening(): boolean {
    return this.listener?.listening ?? true;
  }
  get epoch(): number {
    return this.generation;
  }

  subscribe(listener: Listener): void {
    this.listeners.add(listener);
  }

  /** Tells every instance, once `manager`'s transaction commits, that `keys` changed. */
  async publish(manager: EntityManager, ...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    if (this.outbox) await queueInvalidations(manager, keys);
    this.evictLocally(keys);
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) runner.data[PENDING_KEYS] = [...((runner.data[PENDING_KEYS] as string[] | undefined) ?? []), ...keys];
    else this.outbox?.soon();
  }

  /**
   * The part of a larger statement that queues `key` for the other instances,
   * once per row of the statement's CTE `source`; none on the embedded
   * database. Call `dropCommitted` once the statement has run.
   */
  queueFor(key: string): StatementPart | undefined {
    if (!this.outbox) return undefined;
    return { sql: (source, first) => `INSERT INTO cache_invalidations (key) SELECT $${first} FROM ${source}`, params: [key] };
  }

  /** TypeORM subscriber hook: evict again once the publishing transaction has committed, and send the keys. */
  afterTransactionCommit(event: TransactionCommitEvent): void {
    const keys = event.queryRunner.data[PENDING_KEYS] as string[] | undefined;
    if (!keys || event.queryRunner.isTransactionActive) return;
    delete event.queryRunner.data[PENDING_KEYS];
    this.evictLocally(keys);
    this.outbox?.soon();
  }

  /** For a change already committed (a single statement that queued its own keys): drop them here at once, and send them. */
  dropCommitted(...keys: string[]): void {
    this.evictLocally(keys);
    this.outbox?.soon();
  }

  private evictLocally(keys: string[]): void {
    this.generation++;
    for (const key of keys) for (const listener of this.listeners) listener(key);
  }

  private evictEverything(): void {
    this.evictLocally(['*']);
  }
}
