import { DataSource, EntityManager, QueryFailedError } from 'typeorm';

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race and may simply run again. */
const CONFLICT_CODES = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/** A transaction that lost a race with a concurrent one, every time it was tried (answered 503, never 500). */
export class TransactionConflictError extends Error {
  constructor(cause: unknown) {
    super('The change conflicted with a concurrent one on every attempt', { cause });
    this.name = 'TransactionConflictError';
  }
}

const UNIQUE_VIOLATION = '23505';

export function isTransactionConflict(error: unknown): boolean {
  return error instanceof TransactionConflictError || CONFLICT_CODES.has(postgresCode(error) ?? '');
}

/** A statement refused by a unique index or constraint. */
export function isUniqueViolation(error: unknown): boolean {
  return postgresCode(error) === UNIQUE_VIOLATION;
}

function postgresCode(error: unknown): string | undefined {
  return error instanceof QueryFailedError ? (error.driverError as { code?: string } | undefined)?.code : undefined;
}

/**
 * `work` in a transaction, run again (after a short random pause) when
 * PostgreSQL ends it as a deadlock victim or a serialization failure. Work on
 * one account takes that account's row lock first, so conflicts are rare; this
 * is what remains when they happen. `work` must have no effect outside the
 * transaction, since it may run more than once.
 */
export async function transactionWithRetry<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (!isTransactionConflict(error)) throw error;
      if (attempt >= ATTEMPTS) throw new TransactionConflictError(error);
      await new Promise((resolve) => setTimeout(resolve, attempt * (5 + Math.random() * 20)));
    }
  }
}
