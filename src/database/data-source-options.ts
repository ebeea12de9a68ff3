import { DataSourceOptions } from 'typeorm';
import { AuthEvent } from '../auth/events/auth-event.entity';
import { KeyStore } from '../auth/key-store.entity';
import { User } from '../users/user.entity';
import { createPGliteDriver } from './embedded/pglite-pool';
import { migrations } from './migrations';

export const entities = [User, KeyStore, AuthEvent];

/** One set of options for the app and the TypeORM CLI: a PostgreSQL server when `databaseUrl` is set, else embedded PGlite. */
export function dataSourceOptions(databaseUrl: string | undefined, embeddedDatabaseDir: string): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities,
    migrations,
    migrationsRun: true,
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+ and PGlite: no extension to install.
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
  };
  if (databaseUrl) {
    return { ...common, url: databaseUrl, poolSize: 20, connectTimeoutMS: 5000 };
  }
  return { ...common, driver: createPGliteDriver(embeddedDatabaseDir), poolSize: 1 };
}
