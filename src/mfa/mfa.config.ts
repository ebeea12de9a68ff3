import { registerAs } from '@nestjs/config';
import { ValidateBy } from 'class-validator';
import { join, resolve } from 'node:path';
import { ConfigError, Env, isProduction, readEnvironment } from '../config/environment';

const KEY_BYTES = 32;
const KEY_HINT = 'generate one with: openssl rand -base64 32';

class MfaEnvironment {
  MFA_ISSUER?: string;

  @ValidateBy({
    name: 'isAes256Key',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && decodeKey(value) !== null,
      defaultMessage: () => `must be ${KEY_BYTES} bytes in base64; ${KEY_HINT}`,
    },
  })
  MFA_ENCRYPTION_KEY?: string;

  DATA_DIR?: string;
}

/** The second factor: the issuer shown by authenticator apps, and the key that encrypts TOTP secrets at rest. */
export function readMfaConfig(env: Env) {
  const vars = readEnvironment(MfaEnvironment, env);
  if (isProduction(env) && !vars.MFA_ENCRYPTION_KEY) {
    throw new ConfigError(`MFA_ENCRYPTION_KEY is required when NODE_ENV=production: it encrypts TOTP secrets; ${KEY_HINT}`);
  }
  return {
    mfa: {
      issuer: vars.MFA_ISSUER ?? 'Auth service',
      /** Unset outside production: the key in `keyFile`, generated on first start. */
      encryptionKey: vars.MFA_ENCRYPTION_KEY ? decodeKey(vars.MFA_ENCRYPTION_KEY)! : undefined,
      keyFile: join(resolve(vars.DATA_DIR ?? '.data'), 'keys', 'mfa-encryption.key'),
    },
  };
}

export type MfaConfig = ReturnType<typeof readMfaConfig>['mfa'];

export const mfaConfig = registerAs('mfa', () => readMfaConfig(process.env).mfa);

/** Exactly 32 bytes in base64 (standard or URL-safe, padded or not), else null. */
export function decodeKey(text: string): Buffer | null {
  const value = text.trim();
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return null;
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === KEY_BYTES ? bytes : null;
}
