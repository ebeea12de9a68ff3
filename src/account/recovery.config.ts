import { registerAs } from '@nestjs/config';
import { IsUrl } from 'class-validator';
import { ConfigError, Env, IsDuration, isProduction, readEnvironment, seconds } from '../config/environment';

class RecoveryEnvironment {
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'must be an http(s) URL such as https://app.example.com' })
  APP_URL?: string;

  @IsDuration(60)
  PASSWORD_RESET_TTL?: string;

  @IsDuration(60)
  EMAIL_VERIFICATION_TTL?: string;
}

/** Password reset, email verification and change of address: the links mailed and how long they work. */
export function readRecoveryConfig(env: Env) {
  const vars = readEnvironment(RecoveryEnvironment, env);
  if (isProduction(env) && !vars.APP_URL) {
    throw new ConfigError('APP_URL is required when NODE_ENV=production (the links in mails lead there; the default points at pages production does not serve)');
  }
  return {
    recovery: {
      /** Base of the links in mails: `APP_URL/reset-password?token=...`, `APP_URL/verify-email?token=...`; by default the service itself, on its PORT. */
      appUrl: (vars.APP_URL ?? `http://localhost:${env.PORT ?? 3000}`).replace(/\/+$/, ''),
      passwordResetTtlSeconds: seconds(vars.PASSWORD_RESET_TTL, '30m'),
      emailVerificationTtlSeconds: seconds(vars.EMAIL_VERIFICATION_TTL, '24h'),
    },
  };
}

export type RecoveryConfig = ReturnType<typeof readRecoveryConfig>;

export const recoveryConfig = registerAs('recovery', () => readRecoveryConfig(process.env));
