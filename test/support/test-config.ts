import { DynamicModule, Global, Module } from '@nestjs/common';
import { authConfig, readAuthConfig } from '../../src/auth/auth.config';
import { rateLimitConfig, readRateLimitConfig } from '../../src/rate-limit/rate-limit.config';
import { readSessionsConfig, sessionsConfig } from '../../src/sessions/sessions.config';
import { readTokensConfig, tokensConfig } from '../../src/tokens/tokens.config';
import { Env } from '../../src/config/environment';
import { readServerConfig, serverConfig } from '../../src/config/server.config';
import { databaseConfig, readDatabaseConfig } from '../../src/database/database.config';
import { metricsConfig, readMetricsConfig } from '../../src/metrics/metrics.config';
import { readRedisConfig, redisConfig } from '../../src/redis/redis.config';
import { readUsersConfig, usersConfig } from '../../src/users/users.config';
import { mailConfig, readMailConfig } from '../../src/mail/mail.config';
import { readRecoveryConfig, recoveryConfig } from '../../src/account/recovery.config';
import { mfaConfig, readMfaConfig } from '../../src/mfa/mfa.config';
import { identitiesConfig, readIdentitiesConfig } from '../../src/identities/identities.config';
import { passkeysConfig, readPasskeysConfig } from '../../src/passkeys/passkeys.config';

/**
 * For unit tests that build a few providers without the whole app: every
 * module's configuration namespace, read from `env` as the app would read it
 * from the environment, injectable as in the app (`@Inject(tokensConfig.KEY)`).
 */
@Global()
@Module({})
export class TestConfigModule {
  static from(env: Env): DynamicModule {
    const providers = [
      { provide: serverConfig.KEY, useValue: readServerConfig(env) },
      { provide: databaseConfig.KEY, useValue: readDatabaseConfig(env) },
      { provide: redisConfig.KEY, useValue: readRedisConfig(env) },
      { provide: tokensConfig.KEY, useValue: readTokensConfig(env) },
      { provide: sessionsConfig.KEY, useValue: readSessionsConfig(env) },
      { provide: rateLimitConfig.KEY, useValue: readRateLimitConfig(env) },
      { provide: authConfig.KEY, useValue: readAuthConfig(env) },
      { provide: recoveryConfig.KEY, useValue: readRecoveryConfig(env) },
      { provide: usersConfig.KEY, useValue: readUsersConfig(env) },
      { provide: mailConfig.KEY, useValue: readMailConfig(env) },
      { provide: metricsConfig.KEY, useValue: readMetricsConfig(env) },
      { provide: mfaConfig.KEY, useValue: readMfaConfig(env).mfa },
      { provide: passkeysConfig.KEY, useValue: readPasskeysConfig(env).passkeys },
      { provide: identitiesConfig.KEY, useValue: readIdentitiesConfig(env).identities },
    ];
    return { module: TestConfigModule, providers, exports: providers.map((provider) => provider.provide) };
  }
}
