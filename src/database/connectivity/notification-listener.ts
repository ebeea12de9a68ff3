import { Logger } from '@nestjs/common';
import { Client, QueryConfig } from 'pg';
import { Backoff, sleep } from './backoff';
import { CONNECT_TIMEOUT_MS } from './database-connectivity.service';

const HEARTBEAT_INTERVAL_MS = 5000;
const HEARTBEAT_TIMEOUT_MS = 2000;

export interface NotificationListenerOptions {
  connectionString: string;
  channel: string;
  /** Each notification's payload. */
  onNotification: (payload: string) => void;
  /** `true` once listening (notifications may have been missed before), `false` when the connection is lost. */
  onStateChange: (listening: boolean) => void;
}

/**
 * One dedicated connection that LISTENs on a channel, kept alive by a single
 * reconnect loop: it cannot run twice, a dead client is always ended before
 * the next one is made, reconnection backs off exponentially, and a heartbeat
 * notices a connection that went silent.
 */
export class NotificationListener {
  private readonly logger = new Logger(NotificationListener.name);
  private readonly backoff = new Backoff(100, 2000);
  private loop?: Promise<void>;
  private stopped = false;
  /** The client being connected or listening. */
  private current?: Client;
  private isListening = false;
  private wake?: () => void;

  constructor(private readonly options: NotificationListenerOptions) {}

  get listening(): boolean {
    return this.isListening;
  }

  /** Starts the loop (once); resolves after the first attempt to listen, successful or not. */
  async start(): Promise<void> {
    if (this.loop) return;
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
    this.loop = this.run(firstAttempt);
    await attempted;
  }

  /** Cuts a pending backoff short (the database is known to be back). */
  retryNow(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retryNow();
    await this.current?.end().catch(() => undefined);
    await this.loop;
  }

  private async run(firstAttempt: () => void): Promise<void> {
    let lostBefore = false;
    while (!this.stopped) {
      const client = new Client({
        connectionString: this.options.connectionString,
        application_name: 'auth-cache-listener',
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        keepAlive: true,
      });
      this.current = client;
      const lost = new Promise<void>((resolve) => {
        client.on('error', () => resolve());
        client.on('end', () => resolve());
      });
      client.on('notification', (message) => {
        if (message.channel === this.options.channel && message.payload) this.options.onNotification(message.payload);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${this.options.channel}`);
      } catch (error) {
        await client.end().catch(() => undefined);
        firstAttempt();
        if (!lostBefore) this.logger.warn(`Cache invalidation listener cannot connect (${describe(error)}); caches bypassed until it can`);
        lostBefore = true;
        await this.pause();
        continue;
      }
      if (this.stopped) {
        await client.end().catch(() => undefined);
        break;
      }
      this.isListening = true;
      this.backoff.reset();
      if (lostBefore) this.logger.log('Cache invalidation listener is back');
      lostBefore = false;
      this.options.onStateChange(true);
      firstAttempt();

      await Promise.race([lost, this.heartbeat(client)]);
      this.isListening = false;
      await client.end().catch(() => undefined);
      if (this.stopped) break;
      this.options.onStateChange(false);
      this.logger.warn('Cache invalidation listener lost; caches bypassed until it is back');
      lostBefore = true;
      await this.pause();
    }
  }

  /** Resolves when the connection stops answering. */
  private async heartbeat(client: Client): Promise<void> {
    while (!this.stopped && this.current === client) {
      await sleep(HEARTBEAT_INTERVAL_MS);
      if (this.stopped || this.current !== client) return;
      try {
        await client.query({ text: 'SELECT 1', query_timeout: HEARTBEAT_TIMEOUT_MS } as QueryConfig);
      } catch {
        return;
      }
    }
  }

  private async pause(): Promise<void> {
    await Promise.race([sleep(this.backoff.next()), new Promise<void>((resolve) => (this.wake = resolve))]);
    this.wake = undefined;
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}
