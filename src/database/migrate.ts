import { DataSource, Migration, MigrationExecutor } from 'typeorm';

/** Any constant of our own: every instance of this service takes the same advisory lock. */
export const MIGRATION_LOCK_KEY = 7_263_514_021;

/**
 * Runs pending migrations, each in its own transaction. On a PostgreSQL
 * server it holds `pg_advisory_lock` on its connection meanwhile, so that
 * instances booting together on one database apply each migration once:
 * the others wait, then find nothing left to do.
 */
export function runMigrations(dataSource: DataSource, onServer: boolean): Promise<Migration[]> {
  return underMigrationLock(dataSource, onServer, (executor) => executor.executePendingMigrations());
}

/**
 * Reverts the last applied migration (its `down`, and its row of the
 * migrations table, in one transaction) under the same lock as
 * runMigrations, so it never interleaves with an instance migrating at boot.
 * Answers the name of the migration reverted, or null when none was applied.
 */
export function revertLastMigration(dataSource: DataSource, onServer: boolean): Promise<string | null> {
  return underMigrationLock(dataSource, onServer, async (executor) => {
    const [last] = await executor.getExecutedMigrations();
    if (!last) return null;
    await executor.undoLastMigration();
    return last.name;
  });
}

/** `work` with a migration executor on one connection that, on a PostgreSQL server, holds the migration lock meanwhile. */
async function underMigrationLock<T>(dataSource: DataSource, onServer: boolean, work: (executor: MigrationExecutor) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    if (onServer) await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    return await work(executor);
  } finally {
    if (onServer) await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
