import { registerAs } from '@nestjs/config';
import { IsIn, ValidateBy } from 'class-validator';
import { join, resolve } from 'node:path';
import { parseDurationSeconds } from '../config/duration';
import { ConfigError, Env, flag, IsBooleanText, IsDuration, isProduction, IsWholeNumber, readEnvironment, seconds } from '../config/environment';
import { GENERATE_SECRET_HINT, secretWeakness } from '../config/secret-strength';

export const JWT_ALGORITHMS = ['ES256', 'RS256', 'HS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

const RATE = /^(\d+)\s*\/\s*(.+)$/;

/** A rate like `5/1m`: at least one request per a valid duration. */
function IsRate(): PropertyDecorator {
  return ValidateBy({
    name: 'isRate',
    validator: {
      validate: (value: unknown) => {
        const match = typeof value === 'string' ? RATE.exec(value) : null;
        return match !== null && Number(match[1]) >= 1 && (parseDurationSeconds(match[2]) ?? 0) > 0;
      },
      defaultMessage: () => 'must look like 5/1m (requests per window)',
    },
  });
}

class AuthEnvironment {
  JWT_ISSUER?: string;

  JWT_AUDIENCE?: string;

  @IsIn(JWT_ALGORITHMS, { message: `must be ${JWT_ALGORITHMS.join(', ')}` })
  JWT_ALGORITHM?: string;

  JWT_ACCESS_SECRET?: string;

  JWT_REFRESH_SECRET?: string;

  JWT_KEYS_DIR?: string;

  DATA_DIR?: string;

  @IsDuration()
  JWT_CLOCK_TOLERANCE?: string;

  @IsDuration(1)
  ACCESS_TOKEN_TTL?: string;

  @IsDuration(1)
  REFRESH_TOKEN_TTL?: string;

  @IsDuration(1)
  SESSION_MAX_LIFETIME?: string;

  @IsDuration()
  REFRESH_REUSE_GRACE?: string;

  @IsBooleanText()
  COOKIE_SECURE?: string;

  @IsBooleanText()
  RATE_LIMIT_ENABLED?: string;

  @IsRate()
  RATE_LIMIT_LOGIN?: string;

  @IsRate()
  RATE_LIMIT_AUTH?: string;

  @IsWholeNumber(1)
  MAX_SESSIONS_PER_USER?: string;
}

/** Tokens, sessions, cookies and rate limits. */
export function readAuthConfig(env: Env) {
  const vars = readEnvironment(AuthEnvironment, env);
  const algorithm = (vars.JWT_ALGORITHM ?? 'ES256') as JwtAlgorithm;
  if (algorithm === 'HS256') assertGoodSecrets(vars.JWT_ACCESS_SECRET, vars.JWT_REFRESH_SECRET);
  const dataDir = resolve(vars.DATA_DIR ?? '.data');
  const config = {
    /** Production never generates signing keys. */
    isProduction: isProduction(env),
    jwt: {
      issuer: vars.JWT_ISSUER ?? 'auth-service',
      audience: vars.JWT_AUDIENCE ?? 'api',
      algorithm,
      accessSecret: vars.JWT_ACCESS_SECRET,
      refreshSecret: vars.JWT_REFRESH_SECRET,
      keysDir: resolve(vars.JWT_KEYS_DIR ?? join(dataDir, 'keys')),
      clockToleranceSeconds: seconds(vars.JWT_CLOCK_TOLERANCE, '30s'),
    },
    accessTokenTtlSeconds: seconds(vars.ACCESS_TOKEN_TTL, '15m'),
    refreshTokenTtlSeconds: seconds(vars.REFRESH_TOKEN_TTL, '30d'),
    sessionMaxLifetimeSeconds: seconds(vars.SESSION_MAX_LIFETIME, '90d'),
    refreshReuseGraceSeconds: seconds(vars.REFRESH_REUSE_GRACE, '10s'),
    /** A login beyond this many live sessions ends the user's least recently used one. */
    maxSessionsPerUser: Number(vars.MAX_SESSIONS_PER_USER ?? 100),
    cookieSecure: flag(vars.COOKIE_SECURE, true),
    rateLimit: {
      enabled: flag(vars.RATE_LIMIT_ENABLED, true),
      login: rate(vars.RATE_LIMIT_LOGIN ?? '5/1m'),
      auth: rate(vars.RATE_LIMIT_AUTH ?? '30/1m'),
    },
  };
  if (config.accessTokenTtlSeconds >= config.refreshTokenTtlSeconds) {
    throw new ConfigError('ACCESS_TOKEN_TTL must be shorter than REFRESH_TOKEN_TTL');
  }
  return config;
}

export type AuthConfig = ReturnType<typeof readAuthConfig>;

export const authConfig = registerAs('auth', () => readAuthConfig(process.env));

/** HS256 secrets: both set, each with real entropy, and different. */
function assertGoodSecrets(accessSecret: string | undefined, refreshSecret: string | undefined): void {
  for (const [name, secret] of [
    ['JWT_ACCESS_SECRET', accessSecret],
    ['JWT_REFRESH_SECRET', refreshSecret],
  ] as const) {
    if (!secret) throw new ConfigError(`${name} is required when JWT_ALGORITHM=HS256; ${GENERATE_SECRET_HINT}`);
    const weakness = secretWeakness(secret);
    if (weakness) throw new ConfigError(`${name} is too weak (${weakness}); ${GENERATE_SECRET_HINT}`);
  }
  if (accessSecret === refreshSecret) throw new ConfigError('JWT_ACCESS_SECRET and JWT_REFRESH_SECRET must differ');
}

function rate(value: string): RateLimit {
  const [, limit, window] = RATE.exec(value)!;
  return { limit: Number(limit), windowSeconds: parseDurationSeconds(window)! };
}
