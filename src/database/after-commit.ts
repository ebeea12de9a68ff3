import { Logger } from '@nestjs/common';
import { DataSource, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

interface Pending {
  /** The transaction depth it was registered at: a savepoint rolled back drops what was registered inside it. */
  depth: number;
  work: () => void;
}

const pendingByRunner = new WeakMap<QueryRunner, Pending[]>();
const logger = new Logger('AfterCommit');

/**
 * Runs `work` once what `queryRunner` has written is committed: at once when
 * it is in no transaction (its statements committed as they ran), when its
 * transaction commits otherwise, and never when it rolls back (a savepoint
 * rolled back drops what was registered inside it). For effects outside the
 * database that must not announce a change that did not happen, such as a log
 * line. `work` must not throw into the commit: a failure is logged.
 */
export function afterCommit(queryRunner: QueryRunner | undefined, work: () => void): void {
  if (!queryRunner?.isTransactionActive) return runSafely(work);
  watchTransactionsOf(queryRunner.connection);
  const pending = pendingByRunner.get(queryRunner) ?? [];
  pending.push({ depth: transactionDepth(queryRunner), work });
  pendingByRunner.set(queryRunner, pending);
}

/** Hears every transaction's end on the data source: registered once per data source, on its first use. */
class TransactionEnds implements EntitySubscriberInterface {
  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    // A savepoint released: the outer transaction decides.
    if (queryRunner.isTransactionActive) return;
    const pending = pendingByRunner.get(queryRunner) ?? [];
    pendingByRunner.delete(queryRunner);
    for (const { work } of pending) runSafely(work);
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    const pending = pendingByRunner.get(queryRunner);
    if (!pending) return;
    const depth = queryRunner.isTransactionActive ? transactionDepth(queryRunner) : 0;
    const kept = pending.filter((entry) => entry.depth <= depth);
    if (kept.length > 0) pendingByRunner.set(queryRunner, kept);
    else pendingByRunner.delete(queryRunner);
  }
}

function watchTransactionsOf(dataSource: DataSource): void {
  if (!dataSource.subscribers.some((subscriber) => subscriber instanceof TransactionEnds)) dataSource.subscribers.push(new TransactionEnds());
}

/** How many transactions and savepoints the runner is inside (TypeORM keeps the count but does not publish it). */
function transactionDepth(queryRunner: QueryRunner): number {
  return (queryRunner as unknown as { transactionDepth: number }).transactionDepth;
}

function runSafely(work: () => void): void {
  try {
    work();
  } catch (error) {
    logger.error(`Work after a commit failed: ${(error as Error).message}`);
  }
}
