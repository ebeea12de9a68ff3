import { DataSourceOptions } from 'typeorm';
import { AuthEvent } from '../auth/events/auth-event.entity';
import { KeyStore } from '../auth/key-store.entity';
import { User } from '../users/user.entity';
import type { DatabaseConnectivity } from './connectivity/database-connectivity.service';
import { createPGliteDriver } from './embedded/pglite-pool';
import { migrations } from './migrations';

export const entities = [User, KeyStore, AuthEvent];

export interface DriverOptions {
  /** Pool size on a PostgreSQL server. */
  poolSize: number;
  /** The service's connectivity owner (the CLI goes without): it drives the pool and learns when it closes. */
  connectivity?: DatabaseConnectivity;
}

/**
 * One set of options for the app and the TypeORM CLI: a PostgreSQL server
 * when `databaseUrl` is set, else embedded PGlite. Migrations are run by the
 * caller (at boot under an advisory lock, or by the CLI).
 */
export function dataSourceOptions(
  databaseUrl: string | undefined,
  embeddedDatabaseDir: string,
  driver: DriverOptions = { poolSize: 20 },
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities,
    migrations,
    migrationsRun: false,
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+ and PGlite: no extension to install.
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
  };
  if (databaseUrl) {
    return { ...common, url: databaseUrl, poolSize: driver.poolSize, ...(driver.connectivity && { driver: driver.connectivity.pgDriver() }) };
  }
  return { ...common, driver: createPGliteDriver(embeddedDatabaseDir, () => driver.connectivity?.detach()), poolSize: 1 };
}
