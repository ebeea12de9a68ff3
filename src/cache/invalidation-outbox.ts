import { Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** Keys per NOTIFY: a payload holds at most 8000 bytes, and a key at most about 50. */
const BATCH = 150;
/** How long committed keys wait to be sent together. */
const COALESCE_MS = 5;
/** How often any instance also drains what others left behind (an instance that died after committing). */
const SWEEP_INTERVAL_MS = 1000;

/** Queues `keys` in the outbox, in `manager`'s transaction: sent to every instance once it commits. */
export async function queueInvalidations(manager: EntityManager, keys: string[]): Promise<void> {
  await manager.query('INSERT INTO cache_invalidations (key) SELECT unnest($1::text[])', [keys]);
}

/**
 * Sends the rows of `cache_invalidations` to every instance: one transaction
 * takes a batch of rows (skipping those another instance is sending), deletes
 * them and NOTIFYs their keys, so the keys go out exactly when the delete
 * commits, and stay queued for the next drain if it does not.
 */
export class InvalidationOutbox {
  private readonly logger = new Logger(InvalidationOutbox.name);
  private scheduled?: NodeJS.Timeout;
  private sweep?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly channel: string,
  ) {}

  start(): void {
    this.sweep = setInterval(() => void this.drain(), SWEEP_INTERVAL_MS).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweep);
    clearTimeout(this.scheduled);
    await this.draining;
    await this.drain();
  }

  /** A change was committed here: send it (and whatever else is queued) in a moment. */
  soon(): void {
    this.scheduled ??= setTimeout(() => {
      this.scheduled = undefined;
      void this.drain();
    }, COALESCE_MS);
  }

  private drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = this.sendAll().finally(() => {
      this.draining = undefined;
      if (this.again) {
        this.again = false;
        void this.drain();
      }
    });
    return this.draining;
  }

  private async sendAll(): Promise<void> {
    try {
      let sent: number;
      do {
        const [row] = await this.dataSource.query<Array<{ sent: number }>>(
          `WITH batch AS (
             DELETE FROM cache_invalidations
              WHERE id IN (SELECT id FROM cache_invalidations ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
             RETURNING key
           ),
           keys AS (SELECT string_agg(DISTINCT key, ',') AS payload, count(*) AS sent FROM batch)
           SELECT sent::int AS sent, (SELECT pg_notify($1, payload) FROM keys WHERE payload IS NOT NULL) AS notified FROM keys`,
          [this.channel],
        );
        sent = row?.sent ?? 0;
      } while (sent === BATCH && this.dataSource.isInitialized);
    } catch (error) {
      // Queued rows stay queued: the next drain sends them (the database may be down right now).
      this.logger.debug(`Cache invalidations not sent yet: ${(error as Error).message}`);
    }
  }
}
