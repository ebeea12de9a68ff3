import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { Metrics } from '../../metrics/metrics.service';
import { Backoff, sleep } from './backoff';
import { DatabaseUnavailableError, markConnectionFailure } from './database-unavailable';

/** A new connection must be up within this long. */
export const CONNECT_TIMEOUT_MS = 3000;
/** A statement that has not answered within this long is taken for a dead connection. */
export const QUERY_TIMEOUT_MS = 4000;
const PROBE_TIMEOUT_MS = 2000;

type PoolCallback = (error: Error | undefined, client?: pg.PoolClient, release?: (error?: Error | boolean) => void) => void;

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/**
 * The one owner of connectivity to a PostgreSQL server. It hands TypeORM a pg
 * driver whose pool consults a circuit: once a connection cannot be made (or
 * a statement hangs), the database is known to be down, requests fail at once
 * with DatabaseUnavailableError (503), and a single probe loop retries with
 * exponential backoff until a `SELECT 1` through the pool answers again.
 * Connections that break are tagged so the exception filter answers 503, and
 * a connection whose statement timed out is destroyed, never reused.
 */
@Injectable()
export class DatabaseConnectivity implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseConnectivity.name);
  private readonly events = new EventEmitter();
  private readonly backoff = new Backoff(100, 2000);
  private up = true;
  private closed = false;
  private probing = false;
  private pool?: ResilientPool;

  constructor(metrics: Metrics) {
    metrics.gauge(
      'auth_db_pool_connections',
      'Connections of the database pool: active (checked out), idle, and requests waiting for one',
      () => {
        const { total, idle, waiting } = this.poolStats();
        return { active: total - idle, idle, waiting };
      },
      'state',
    );
  }

  /** Whether requests may use the database now. */
  get available(): boolean {
    return this.up && !this.closed;
  }

  /** Called with `true` when the database becomes available again, `false` when it is lost. */
  onChange(listener: (available: boolean) => void): void {
    this.events.on('change', listener);
  }

  /** The pg module TypeORM is given (`driver` option): pg itself, with a pool that knows the circuit. */
  pgDriver(): typeof pg {
    return { ...pg, Pool: poolClass(this) } as unknown as typeof pg;
  }

  poolStats(): PoolStats {
    return { total: this.pool?.totalCount ?? 0, idle: this.pool?.idleCount ?? 0, waiting: this.pool?.waitingCount ?? 0 };
  }

  onApplicationShutdown(): void {
    this.closed = true;
  }

  /** @internal the pool registers itself. */
  attach(pool: ResilientPool): void {
    this.pool = pool;
  }

  /** The pool was closed (the DataSource was destroyed): nothing reaches the database any more. */
  detach(): void {
    this.closed = true;
  }

  /** @internal a connection could not be made, or a live one stopped answering: the database is down. */
  lost(error: Error): void {
    if (!this.up || this.closed) return;
    this.up = false;
    this.logger.warn(`Database unreachable (${describe(error)}); answering 503 until it is back`);
    this.events.emit('change', false);
    void this.probeUntilUp();
  }

  private async probeUntilUp(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      while (!this.up && !this.closed) {
        await sleep(this.backoff.next());
        if (this.closed) return;
        if (await this.pool?.probe()) {
          this.up = true;
          this.backoff.reset();
          this.logger.log('Database reachable again');
          this.events.emit('change', true);
        }
      }
    } finally {
      this.probing = false;
    }
  }
}

/** What a log line may say about a connection error: its code or message, never a connection string. */
function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.message;
}

export interface ResilientPool extends pg.Pool {
  /** One `SELECT 1` through the pool, around the circuit; whether it answered. */
  probe(): Promise<boolean>;
}

function poolClass(connectivity: DatabaseConnectivity): new (options?: pg.PoolConfig) => ResilientPool {
  const Client = observedClientClass(connectivity);

  class Pool extends pg.Pool implements ResilientPool {
    constructor(options: pg.PoolConfig = {}) {
      super({
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        query_timeout: QUERY_TIMEOUT_MS,
        keepAlive: true,
        ...options,
        Client,
      });
      connectivity.attach(this);
    }

    override connect(): Promise<pg.PoolClient>;
    override connect(callback: PoolCallback): void;
    override connect(callback?: PoolCallback): Promise<pg.PoolClient> | void {
      if (!connectivity.available) {
        const error = new DatabaseUnavailableError();
        if (!callback) return Promise.reject(error);
        process.nextTick(callback, error);
        return;
      }
      // A pool that could not hand out a connection in time is saturated or cut off: either way a 503.
      if (!callback) return super.connect().catch((error: Error) => Promise.reject(markConnectionFailure(error)));
      super.connect((error, client, release) => callback(error ? markConnectionFailure(error) : undefined, client, release));
    }

    async probe(): Promise<boolean> {
      let client: pg.PoolClient | undefined;
      try {
        client = await super.connect();
        await client.query({ text: 'SELECT 1', query_timeout: PROBE_TIMEOUT_MS } as pg.QueryConfig);
        client.release();
        return true;
      } catch (error) {
        client?.release(error as Error);
        return false;
      }
    }

    override end(): Promise<void>;
    override end(callback: () => void): void;
    override end(callback?: () => void): Promise<void> | void {
      connectivity.detach();
      return callback ? super.end(callback) : super.end();
    }
  }
  return Pool;
}

/**
 * A pg Client that reports to the circuit: a failed connect means the server
 * is unreachable; a statement that failed because its connection broke is
 * tagged for a 503; a statement that ran into its timeout on a socket that
 * is still open means the server went silent: the connection is destroyed
 * and the server taken for down.
 */
function observedClientClass(connectivity: DatabaseConnectivity): typeof pg.Client {
  class ObservedClient extends pg.Client {
    private broken = false;

    constructor(config?: string | pg.ClientConfig) {
      super(config);
      // pg emits these synchronously, before it fails the queries in flight.
      this.on('error', () => (this.broken = true));
      this.once('end', () => (this.broken = true));
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: (error: Error) => void): void;
    override connect(callback?: (error: Error) => void): Promise<pg.Client> | void {
      const failed = (error: Error) => {
        markConnectionFailure(error);
        connectivity.lost(error);
        return error;
      };
      if (!callback) return super.connect().catch((error: Error) => Promise.reject(failed(error)));
      super.connect((error: Error) => callback(error ? failed(error) : error));
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's query has many overloads; this wrapper forwards them all and only observes failures.
    override query(...args: unknown[]): any {
      const startedAt = Date.now();
      const callbackIndex = args.findIndex((arg, index) => index > 0 && typeof arg === 'function');
      if (callbackIndex > 0) {
        const callback = args[callbackIndex] as (error: Error | undefined, result?: unknown) => void;
        args[callbackIndex] = (error: Error | undefined, result?: unknown) => callback(error && this.observe(error, startedAt), result);
        return (super.query as (...rest: unknown[]) => unknown)(...args);
      }
      const result = (super.query as (...rest: unknown[]) => unknown)(...args);
      return result instanceof Promise ? result.catch((error: Error) => Promise.reject(this.observe(error, startedAt))) : result;
    }

    private observe(error: Error, startedAt: number): Error {
      if (error instanceof pg.DatabaseError) {
        return /^(08|57P0)/.test(error.code ?? '') ? markConnectionFailure(error) : error;
      }
      if (this.broken) return markConnectionFailure(error);
      if (isReadTimeout(error) || Date.now() - startedAt >= QUERY_TIMEOUT_MS) {
        // No answer on an open socket: the server is gone without a word. Never reuse this connection.
        this.broken = true;
        (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        connectivity.lost(markConnectionFailure(error));
      }
      return error;
    }
  }
  return ObservedClient;
}

/**
 * pg's own `query_timeout` error. Told by its text, not only by the time taken:
 * pg's timer counts from the event loop's cached clock, which lags behind
 * `Date.now()` while the loop is busy, so under load it fires before the
 * statement has been waiting QUERY_TIMEOUT_MS by our clock.
 */
function isReadTimeout(error: Error): boolean {
  return error.message === 'Query read timeout';
}
