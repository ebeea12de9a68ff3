import { registerAs } from '@nestjs/config';
import { IsEmail, Matches } from 'class-validator';
import { join, resolve } from 'node:path';
import { ConfigError, Env, isProduction, readEnvironment } from '../config/environment';

class MailEnvironment {
  @Matches(/^smtps?:\/\//, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsEmail({ allow_display_name: true, require_tld: false }, { message: 'must be an address such as auth@example.com or "Auth" <auth@example.com>' })
  MAIL_FROM?: string;

  DATA_DIR?: string;
}

/** Where mail goes: an SMTP server (SMTP_URL), else `.eml` files under DATA_DIR/outbox. */
export function readMailConfig(env: Env) {
  const vars = readEnvironment(MailEnvironment, env);
  if (isProduction(env) && !vars.SMTP_URL) {
    throw new ConfigError(
      'SMTP_URL is required when NODE_ENV=production (without it, reset and verification mails would only be written to a folder inside the service)',
    );
  }
  return {
    mail: {
      smtpUrl: vars.SMTP_URL,
      from: vars.MAIL_FROM ?? 'auth@localhost',
      outboxDir: join(resolve(vars.DATA_DIR ?? '.data'), 'outbox'),
      /** The outbox logs each mail's link for a developer to click; in production a link is a secret and stays out of the log. */
      logLinks: !isProduction(env),
    },
  };
}

export type MailConfig = ReturnType<typeof readMailConfig>;

export const mailConfig = registerAs('mail', () => readMailConfig(process.env));
