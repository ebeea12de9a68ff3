import { DataSource } from 'typeorm';
import { loadConfig } from '../app-config';
import { Env } from '../config/environment';
import { dataSourceOptions } from '../database/data-source-options';

/**
 * Runs `work` on one connection to the database the service is configured
 * for in `env` (DATABASE_URL, else the embedded one under DATA_DIR), and
 * closes it again: the embedded database admits one process at a time.
 * `onServer` says which of the two it is.
 */
export async function onConfiguredDatabase<T>(env: Env, work: (dataSource: DataSource, onServer: boolean) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  const dataSource = await new DataSource(dataSourceOptions(config.databaseUrl, config.embeddedDatabaseDir, { poolSize: 1 })).initialize();
  try {
    return await work(dataSource, Boolean(config.databaseUrl));
  } finally {
    await dataSource.destroy();
  }
}
