import { registerAs } from '@nestjs/config';
import { IsIn } from 'class-validator';
import { join, resolve } from 'node:path';
import { ConfigError, Env, flag, IsBooleanText, IsDuration, isProduction, readEnvironment, seconds } from '../config/environment';
import { GENERATE_SECRET_HINT, secretWeakness } from '../config/secret-strength';

export const JWT_ALGORITHMS = ['ES256', 'RS256', 'HS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

class TokensEnvironment {
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

  @IsBooleanText()
  COOKIE_SECURE?: string;
}

/** How tokens are signed and verified, where the signing keys live, and how cookies carry tokens. */
export function readTokensConfig(env: Env) {
  const vars = readEnvironment(TokensEnvironment, env);
  const algorithm = (vars.JWT_ALGORITHM ?? 'ES256') as JwtAlgorithm;
  if (algorithm === 'HS256') assertGoodSecrets(vars.JWT_ACCESS_SECRET, vars.JWT_REFRESH_SECRET);
  const dataDir = resolve(vars.DATA_DIR ?? '.data');
  return {
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
    cookieSecure: flag(vars.COOKIE_SECURE, true),
  };
}

export type TokensConfig = ReturnType<typeof readTokensConfig>;

export const tokensConfig = registerAs('tokens', () => readTokensConfig(process.env));

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
