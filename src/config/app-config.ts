import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDurationSeconds } from './duration';
import { GENERATE_SECRET_HINT, secretWeakness } from './secret-strength';

export type JwtAlgorithm = 'ES256' | 'RS256' | 'HS256';

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export interface AppConfig {
  nodeEnv: string;
  isProduction: boolean;
  port: number;
  host: string;
  /** Unset: embedded PostgreSQL (PGlite). */
  databaseUrl?: string;
  /** Connections of the pool to a PostgreSQL server (DATABASE_POOL_SIZE); the invalidation listener adds one. */
  databasePoolSize: number;
  /** Run pending migrations at boot, under an advisory lock (MIGRATIONS_RUN). */
  migrationsRun: boolean;
  dataDir: string;
  /** Where PGlite keeps its files; `memory://` keeps the database in memory (tests). */
  embeddedDatabaseDir: string;
  redisUrl?: string;
  /** Prefix of every Redis key this service writes, for a Redis shared with other software (REDIS_KEY_PREFIX). */
  redisKeyPrefix: string;
  jwt: {
    issuer: string;
    audience: string;
    algorithm: JwtAlgorithm;
    accessSecret?: string;
    refreshSecret?: string;
    keysDir: string;
    clockToleranceSeconds: number;
  };
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  sessionMaxLifetimeSeconds: number;
  refreshReuseGraceSeconds: number;
  cookieSecure: boolean;
  corsOrigins: string[];
  rateLimit: { enabled: boolean; login: RateLimit; auth: RateLimit };
  /** argon2 computations run at once, and how many may wait; past that, 503. */
  passwordHashing: { concurrency: number; queue: number };
  trustProxy: boolean;
  swaggerEnabled: boolean;
  logLevel: string;
  /** On SIGTERM, how long in-flight requests may take before the process exits anyway (SHUTDOWN_GRACE). */
  shutdownGraceSeconds: number;
  /** `/metrics`, with a bearer token when `token` is set. */
  metrics: { enabled: boolean; token?: string };
}

/** A configuration problem; its message is the one line the service prints before it refuses to start. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): AppConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const duration = (name: string, fallback: string, min = 0): number => {
    const raw = read(name) ?? fallback;
    const seconds = parseDurationSeconds(raw);
    if (seconds === undefined || seconds < min) {
      throw new ConfigError(`${name}="${raw}" is not a valid duration (use 10s, 15m, 30d or plain seconds)`);
    }
    return seconds;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    throw new ConfigError(`${name}="${raw}" must be true or false`);
  };
  const integer = (name: string, fallback: number, min: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min) {
      throw new ConfigError(`${name}="${raw}" must be a whole number of at least ${min}`);
    }
    return Number(raw);
  };
  const rate = (name: string, fallback: string): RateLimit => {
    const raw = read(name) ?? fallback;
    const match = /^(\d+)\s*\/\s*(.+)$/.exec(raw);
    const windowSeconds = match ? parseDurationSeconds(match[2]) : undefined;
    if (!match || Number(match[1]) < 1 || !windowSeconds) {
      throw new ConfigError(`${name}="${raw}" must look like 5/1m (requests per window)`);
    }
    return { limit: Number(match[1]), windowSeconds };
  };

  const nodeEnv = read('NODE_ENV') ?? 'development';
  const isProduction = nodeEnv === 'production';

  const portRaw = read('PORT') ?? '3000';
  const port = Number(portRaw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT="${portRaw}" must be a port number`);
  }

  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  }
  const dataDir = resolve(read('DATA_DIR') ?? '.data');

  const algorithm = (read('JWT_ALGORITHM') ?? 'ES256') as JwtAlgorithm;
  if (!['ES256', 'RS256', 'HS256'].includes(algorithm)) {
    throw new ConfigError(`JWT_ALGORITHM="${algorithm}" must be ES256, RS256 or HS256`);
  }
  const accessSecret = read('JWT_ACCESS_SECRET');
  const refreshSecret = read('JWT_REFRESH_SECRET');
  if (algorithm === 'HS256') {
    for (const [name, secret] of [['JWT_ACCESS_SECRET', accessSecret], ['JWT_REFRESH_SECRET', refreshSecret]] as const) {
      if (!secret) throw new ConfigError(`${name} is required when JWT_ALGORITHM=HS256; ${GENERATE_SECRET_HINT}`);
      const weakness = secretWeakness(secret);
      if (weakness) throw new ConfigError(`${name} is too weak (${weakness}); ${GENERATE_SECRET_HINT}`);
    }
    if (accessSecret === refreshSecret) {
      throw new ConfigError('JWT_ACCESS_SECRET and JWT_REFRESH_SECRET must differ');
    }
  }

  if (isProduction && !databaseUrl) {
    throw new ConfigError('DATABASE_URL is required when NODE_ENV=production (the embedded database is for development)');
  }

  const poolSizeRaw = read('DATABASE_POOL_SIZE') ?? '20';
  const databasePoolSize = Number(poolSizeRaw);
  if (!Number.isInteger(databasePoolSize) || databasePoolSize < 2 || databasePoolSize > 1000) {
    throw new ConfigError(`DATABASE_POOL_SIZE="${poolSizeRaw}" must be a whole number from 2 to 1000`);
  }

  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL="${logLevel}" must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const config: AppConfig = {
    nodeEnv,
    isProduction,
    port,
    host: read('HOST') ?? '0.0.0.0',
    databaseUrl,
    databasePoolSize,
    migrationsRun: bool('MIGRATIONS_RUN', true),
    dataDir,
    embeddedDatabaseDir: join(dataDir, 'pgdata'),
    redisUrl: read('REDIS_URL'),
    redisKeyPrefix: read('REDIS_KEY_PREFIX') ?? 'auth-service:',
    jwt: {
      issuer: read('JWT_ISSUER') ?? 'auth-service',
      audience: read('JWT_AUDIENCE') ?? 'api',
      algorithm,
      accessSecret,
      refreshSecret,
      keysDir: resolve(read('JWT_KEYS_DIR') ?? join(dataDir, 'keys')),
      clockToleranceSeconds: duration('JWT_CLOCK_TOLERANCE', '30s'),
    },
    accessTokenTtlSeconds: duration('ACCESS_TOKEN_TTL', '15m', 1),
    refreshTokenTtlSeconds: duration('REFRESH_TOKEN_TTL', '30d', 1),
    sessionMaxLifetimeSeconds: duration('SESSION_MAX_LIFETIME', '90d', 1),
    refreshReuseGraceSeconds: duration('REFRESH_REUSE_GRACE', '10s'),
    cookieSecure: bool('COOKIE_SECURE', true),
    corsOrigins: (read('CORS_ORIGINS') ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    rateLimit: {
      enabled: bool('RATE_LIMIT_ENABLED', true),
      login: rate('RATE_LIMIT_LOGIN', '5/1m'),
      auth: rate('RATE_LIMIT_AUTH', '30/1m'),
    },
    passwordHashing: {
      concurrency: integer('PASSWORD_HASH_CONCURRENCY', availableParallelism(), 1),
      queue: integer('PASSWORD_HASH_QUEUE', 64, 0),
    },
    trustProxy: bool('TRUST_PROXY', false),
    swaggerEnabled: bool('SWAGGER_ENABLED', !isProduction),
    logLevel,
    shutdownGraceSeconds: duration('SHUTDOWN_GRACE', '10s'),
    metrics: { enabled: bool('METRICS_ENABLED', true), token: read('METRICS_TOKEN') },
  };
  if (config.accessTokenTtlSeconds >= config.refreshTokenTtlSeconds) {
    throw new ConfigError('ACCESS_TOKEN_TTL must be shorter than REFRESH_TOKEN_TTL');
  }
  return config;
}
