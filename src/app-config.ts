import { readRecoveryConfig, RecoveryConfig } from './account/recovery.config';
import { readAdminConfig } from './admin/admin.config';
import { AuthConfig, readAuthConfig } from './auth/auth.config';
import { Env } from './config/environment';
import { readServerConfig, ServerConfig } from './config/server.config';
import { DatabaseConfig, readDatabaseConfig } from './database/database.config';
import { MailConfig, readMailConfig } from './mail/mail.config';
import { MetricsConfig, readMetricsConfig } from './metrics/metrics.config';
import { readMfaConfig } from './mfa/mfa.config';
import { readIdentitiesConfig } from './identities/identities.config';
import { readPasskeysConfig } from './passkeys/passkeys.config';
import { readSecurityEventsConfig } from './security-events/security-events.config';
import { RateLimitConfig, readRateLimitConfig } from './rate-limit/rate-limit.config';
import { readRedisConfig, RedisConfig } from './redis/redis.config';
import { readSessionsConfig, SessionsConfig } from './sessions/sessions.config';
import { readTokensConfig, TokensConfig } from './tokens/tokens.config';
import { readUsersConfig, UsersConfig } from './users/users.config';

export { ConfigError } from './config/environment';
export type { JwtAlgorithm } from './tokens/tokens.config';
export type { RateLimit } from './rate-limit/rate-limit.config';

/**
 * Every module's configuration side by side, for what reads all of it at
 * once: the command-line tools and the tests. The application itself never
 * does: each module registers and injects its own namespace
 * (`ConfigModule.forFeature(tokensConfig)`, `@Inject(tokensConfig.KEY)`).
 */
export type AppConfig = ServerConfig &
  DatabaseConfig &
  RedisConfig &
  TokensConfig &
  SessionsConfig &
  AuthConfig &
  RateLimitConfig &
  RecoveryConfig &
  UsersConfig &
  MailConfig &
  MetricsConfig &
  ReturnType<typeof readMfaConfig> &
  ReturnType<typeof readPasskeysConfig> &
  ReturnType<typeof readIdentitiesConfig> &
  ReturnType<typeof readAdminConfig> &
  ReturnType<typeof readSecurityEventsConfig>;

/** Reads and validates the whole configuration from `env`, as the modules would at boot. */
export function loadConfig(env: Env = process.env): AppConfig {
  return {
    ...readServerConfig(env),
    ...readDatabaseConfig(env),
    ...readRedisConfig(env),
    ...readTokensConfig(env),
    ...readSessionsConfig(env),
    ...readAuthConfig(env),
    ...readRateLimitConfig(env),
    ...readRecoveryConfig(env),
    ...readUsersConfig(env),
    ...readMailConfig(env),
    ...readMetricsConfig(env),
    ...readMfaConfig(env),
    ...readPasskeysConfig(env),
    ...readIdentitiesConfig(env),
    ...readAdminConfig(env),
    ...readSecurityEventsConfig(env),
  };
}
