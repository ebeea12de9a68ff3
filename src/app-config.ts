import { AuthConfig, readAuthConfig } from './auth/auth.config';
import { readRecoveryConfig, RecoveryConfig } from './account/recovery.config';
import { DatabaseConfig, readDatabaseConfig } from './database/database.config';
import { MailConfig, readMailConfig } from './mail/mail.config';
import { MetricsConfig, readMetricsConfig } from './metrics/metrics.config';
import { readRedisConfig, RedisConfig } from './redis/redis.config';
import { readUsersConfig, UsersConfig } from './users/users.config';
import { Env } from './config/environment';
import { readServerConfig, ServerConfig } from './config/server.config';

export { ConfigError } from './config/environment';
export type { JwtAlgorithm, RateLimit } from './auth/auth.config';

/**
 * Every module's configuration side by side, for what reads all of it at
 * once: the command-line tools and the tests. The application itself never
 * does: each module injects its own namespace (`@Inject(authConfig.KEY)`).
 */
export type AppConfig = ServerConfig & DatabaseConfig & RedisConfig & AuthConfig & RecoveryConfig & UsersConfig & MailConfig & MetricsConfig;

/** Reads and validates the whole configuration from `env`, as the modules would at boot. */
export function loadConfig(env: Env = process.env): AppConfig {
  return {
    ...readServerConfig(env),
    ...readDatabaseConfig(env),
    ...readRedisConfig(env),
    ...readAuthConfig(env),
    ...readRecoveryConfig(env),
    ...readUsersConfig(env),
    ...readMailConfig(env),
    ...readMetricsConfig(env),
  };
}
