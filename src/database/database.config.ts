import { registerAs } from '@nestjs/config';
import { Matches } from 'class-validator';
import { join, resolve } from 'node:path';
import { ConfigError, Env, flag, IsBooleanText, isProduction, IsWholeNumber, readEnvironment } from '../config/environment';

class DatabaseEnvironment {
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  DATA_DIR?: string;

  EMBEDDED_DATABASE_DIR?: string;

  @IsWholeNumber(2, 1000)
  DATABASE_POOL_SIZE?: string;

  @IsBooleanText()
  MIGRATIONS_RUN?: string;
}

/** PostgreSQL (DATABASE_URL), or the embedded PGlite under DATA_DIR. */
export function readDatabaseConfig(env: Env) {
  const vars = readEnvironment(DatabaseEnvironment, env);
  if (isProduction(env) && !vars.DATABASE_URL) {
    throw new ConfigError('DATABASE_URL is required when NODE_ENV=production (the embedded database is for development)');
  }
  const dataDir = resolve(vars.DATA_DIR ?? '.data');
  return {
    /** Unset: embedded PostgreSQL (PGlite). */
    databaseUrl: vars.DATABASE_URL,
    dataDir,
    /** Where PGlite keeps its files (EMBEDDED_DATABASE_DIR, default DATA_DIR/pgdata); `memory://` keeps the database in memory. */
    embeddedDatabaseDir: vars.EMBEDDED_DATABASE_DIR ?? join(dataDir, 'pgdata'),
    /** Connections of the pool to a PostgreSQL server (DATABASE_POOL_SIZE); the invalidation listener adds one. */
    databasePoolSize: Number(vars.DATABASE_POOL_SIZE ?? 20),
    /** Run pending migrations at boot, under an advisory lock (MIGRATIONS_RUN). */
    migrationsRun: flag(vars.MIGRATIONS_RUN, true),
  };
}

export type DatabaseConfig = ReturnType<typeof readDatabaseConfig>;

export const databaseConfig = registerAs('database', () => readDatabaseConfig(process.env));
