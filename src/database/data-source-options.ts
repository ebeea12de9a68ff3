import { extname, join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ConfigError } from '../config/environment';
import type { DatabaseConnectivity } from './connectivity/database-connectivity.service';
import type * as EmbeddedDriver from './embedded/pglite-pool';

/**
 * Every migration in `migrations/` beside this file, in the language this file
 * runs as: `.ts` under ts-node (the CLIs) and ts-jest, `.js` in `dist`.
 */
export const MIGRATIONS_GLOB = join(__dirname, 'migrations', `*${extname(__filename)}`);

export interface DriverOptions {
  /** Pool size on a PostgreSQL server. */
  poolSize: number;
  /** The service's connectivity owner (the CLI goes without): it drives the pool and learns when it closes. */
  connectivity?: DatabaseConnectivity;
}

/**
 * One set of options for the app and the CLIs: a PostgreSQL server when
 * `databaseUrl` is set, else embedded PGlite. Entities are not listed: the app
 * takes those its modules register (`autoLoadEntities`), the TypeORM CLI finds
 * them by glob (ormconfig.ts). Migrations are run by the caller (at boot under
 * an advisory lock, or by a CLI).
 */
export function dataSourceOptions(databaseUrl: string | undefined, embeddedDatabaseDir: string, driver: DriverOptions = { poolSize: 20 }): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    migrations: [MIGRATIONS_GLOB],
    migrationsRun: false,
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+ and PGlite: no extension to install.
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
  };
  if (databaseUrl) {
    return { ...common, url: databaseUrl, poolSize: driver.poolSize, ...(driver.connectivity && { driver: driver.connectivity.pgDriver() }) };
  }
  return { ...common, driver: embeddedDriver().createPGliteDriver(embeddedDatabaseDir, () => driver.connectivity?.detach()), poolSize: 1 };
}

/**
 * PGlite is a development dependency, loaded only when it is used: production
 * (always a PostgreSQL server) installs without it.
 */
function embeddedDriver(): typeof EmbeddedDriver {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for the embedded database
    return require('./embedded/pglite-pool') as typeof EmbeddedDriver;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new ConfigError(
      'DATABASE_URL is unset and the embedded database (PGlite, a development dependency) is not installed: set DATABASE_URL, or run npm install',
    );
  }
}
