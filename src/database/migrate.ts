import { DataSource, Migration, MigrationExecutor } from 'typeorm';

/** Any constant of our own: every instance of this service takes the same advisory lock. */
export const MIGRATION_LOCK_KEY = 7_263_514_021;

/**
 * Runs pending migrations, each in its own transaction. On a PostgreSQL
 * server it holds `pg_advisory_lock` on its connection meanwhile, so that
 * instances booting together on one database apply each migration once:
 * the others wait, then find nothing left to do.
 */
export async function runMigrations(dataSource: DataSource, onServer: boolean): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  try {
    if (onServer) await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    return await executor.executePendingMigrations();
  } finally {
    if (onServer) await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
