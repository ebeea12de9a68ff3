import { registerAs } from '@nestjs/config';
import { Matches, ValidateBy } from 'class-validator';
import { ConfigError, Env, readEnvironment } from '../config/environment';

class PasskeysEnvironment {
  @Matches(/^(?=.{1,253}$)(?![\d.]+$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, {
    message: 'must be a domain name such as example.com (no scheme, port or path; browsers refuse IP addresses)',
  })
  WEBAUTHN_RP_ID?: string;

  WEBAUTHN_RP_NAME?: string;

  @ValidateBy({
    name: 'isOriginList',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && splitList(value).every((origin) => parseOrigin(origin) !== null),
      defaultMessage: () => 'must be a comma-separated list of origins such as https://app.example.com (scheme, host and port only)',
    },
  })
  WEBAUTHN_ORIGINS?: string;

  APP_URL?: string;
}

/**
 * The WebAuthn relying party: its ID (a domain that the origins are on), the
 * name authenticators show, and the origins whose ceremonies are accepted.
 * By default all three follow APP_URL, where the account pages are served.
 */
export function readPasskeysConfig(env: Env) {
  const vars = readEnvironment(PasskeysEnvironment, env);
  const appUrl = originOf(vars.APP_URL ?? `http://localhost:${env.PORT ?? 3000}`);
  const rpId = (vars.WEBAUTHN_RP_ID ?? appUrl?.hostname ?? 'localhost').toLowerCase();
  const origins = vars.WEBAUTHN_ORIGINS ? splitList(vars.WEBAUTHN_ORIGINS).map((origin) => parseOrigin(origin)!) : appUrl ? [appUrl] : [];
  const stray = origins.find((origin) => origin.hostname !== rpId && !origin.hostname.endsWith(`.${rpId}`));
  if (stray) {
    throw new ConfigError(
      `WEBAUTHN_ORIGINS: ${stray.origin} is not on WEBAUTHN_RP_ID="${rpId}" (each origin's host must be the RP ID or a subdomain of it; both default to APP_URL's)`,
    );
  }
  return {
    passkeys: {
      rpId,
      rpName: vars.WEBAUTHN_RP_NAME ?? 'Auth service',
      origins: origins.map((origin) => origin.origin),
    },
  };
}

export type PasskeysConfig = ReturnType<typeof readPasskeysConfig>['passkeys'];

export const passkeysConfig = registerAs('passkeys', () => readPasskeysConfig(process.env).passkeys);

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The origin of APP_URL, which may have a path (it is validated with the recovery configuration). */
function originOf(text: string): URL | null {
  try {
    return new URL(new URL(text).origin);
  } catch {
    return null;
  }
}

/** An http(s) URL with nothing beyond its origin (a trailing slash allowed), else null. */
function parseOrigin(text: string): URL | null {
  try {
    const url = new URL(text);
    const bare = (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username && !url.password;
    return ['http:', 'https:'].includes(url.protocol) && bare ? url : null;
  } catch {
    return null;
  }
}
