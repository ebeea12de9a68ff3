import { registerAs } from '@nestjs/config';
import { ConfigError, Env, IsDuration, IsWholeNumber, readEnvironment, seconds } from '../config/environment';

class SessionsEnvironment {
  @IsDuration(1)
  ACCESS_TOKEN_TTL?: string;

  @IsDuration(1)
  REFRESH_TOKEN_TTL?: string;

  @IsDuration(1)
  SESSION_MAX_LIFETIME?: string;

  @IsDuration()
  REFRESH_REUSE_GRACE?: string;

  @IsWholeNumber(1)
  MAX_SESSIONS_PER_USER?: string;
}

/** How long a session and its tokens live, the grace for concurrent refreshes, and how many sessions a user keeps. */
export function readSessionsConfig(env: Env) {
  const vars = readEnvironment(SessionsEnvironment, env);
  const config = {
    accessTokenTtlSeconds: seconds(vars.ACCESS_TOKEN_TTL, '15m'),
    refreshTokenTtlSeconds: seconds(vars.REFRESH_TOKEN_TTL, '30d'),
    sessionMaxLifetimeSeconds: seconds(vars.SESSION_MAX_LIFETIME, '90d'),
    refreshReuseGraceSeconds: seconds(vars.REFRESH_REUSE_GRACE, '10s'),
    /** A login beyond this many live sessions ends the user's least recently used one. */
    maxSessionsPerUser: Number(vars.MAX_SESSIONS_PER_USER ?? 100),
  };
  if (config.accessTokenTtlSeconds >= config.refreshTokenTtlSeconds) {
    throw new ConfigError('ACCESS_TOKEN_TTL must be shorter than REFRESH_TOKEN_TTL');
  }
  return config;
}

export type SessionsConfig = ReturnType<typeof readSessionsConfig>;

export const sessionsConfig = registerAs('sessions', () => readSessionsConfig(process.env));
