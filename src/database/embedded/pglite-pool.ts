import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { PGlite, Results } from '@electric-sql/pglite';
import { DataDirLock } from './data-dir-lock';

type Callback<T> = (error: Error | null, value?: T) => void;

interface PgResult {
  rows: unknown[];
  rowCount: number;
  command: string;
}

/**
 * Serialises checkouts of the single PGlite session. PGlite is one backend, so
 * two TypeORM transactions sharing it would interleave their statements (one
 * COMMIT committing the other's half); holding it per checkout gives the
 * semantics of a node-postgres pool of size one.
 */
class SessionLock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return acquired;
  }
}

function toPgResult(sql: string, results: Results): PgResult {
  return {
    rows: results.rows,
    rowCount: results.affectedRows ?? results.rows.length,
    command: /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '',
  };
}

class PGliteClient extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  async query(sql: string, params?: unknown[] | Callback<PgResult>, callback?: Callback<PgResult>): Promise<PgResult> {
    if (typeof params === 'function') [callback, params] = [params, undefined];
    try {
      const result =
        params && params.length > 0
          ? toPgResult(sql, await this.db.query(sql, params))
          : toPgResult(sql, (await this.db.exec(sql)).at(-1) ?? { rows: [], fields: [] });
      callback?.(null, result);
      return result;
    } catch (error) {
      callback?.(error as Error);
      throw error;
    }
  }
}

/**
 * A node-postgres-shaped driver over one embedded PGlite database, for
 * TypeORM's `driver` option. `dataDir` is a folder, or `memory://`;
 * `onEnd` hears that the pool was closed.
 */
export function createPGliteDriver(dataDir: string, onEnd?: () => void): { Pool: new () => EventEmitter } {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const lock = inMemory ? undefined : DataDirLock.acquire(dataDir);
  const ready = PGlite.create(dataDir);
  const session = new SessionLock();

  class PGlitePool extends EventEmitter {
    async connect(callback: (error: Error | null, client?: PGliteClient, release?: () => void) => void) {
      try {
        const db = await ready;
        const release = await session.acquire();
        let released = false;
        callback(null, new PGliteClient(db), () => {
          if (!released) {
            released = true;
            release();
          }
        });
      } catch (error) {
        callback(error as Error);
      }
    }

    async query(sql: string, params?: unknown[]): Promise<PgResult> {
      const release = await session.acquire();
      try {
        return await new PGliteClient(await ready).query(sql, params);
      } finally {
        release();
      }
    }

    end(callback?: (error?: Error) => void): void {
      onEnd?.();
      ready
        .then((db) => db.close())
        .finally(() => lock?.release())
        .then(
          () => callback?.(),
          (error: Error) => callback?.(error),
        );
    }
  }
  return { Pool: PGlitePool };
}
