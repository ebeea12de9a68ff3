import { registerAs } from '@nestjs/config';
import { ConfigError, Env, isProduction } from '../config/environment';
import { resolveFileVariables } from '../config/file-variables';

/** One OpenID Connect provider, as OIDC_PROVIDERS and its OIDC_<NAME>_* variables configure it. */
export interface OidcProviderConfig {
  /** As in OIDC_PROVIDERS and the routes: `/auth/oidc/<name>`. */
  name: string;
  label: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** PUBLIC_URL/api/v1/auth/oidc/<name>/callback: registered at the provider. */
  redirectUri: string;
  /** An http:// issuer on localhost or 127.0.0.1, allowed outside production for local providers and tests. */
  insecureIssuer: boolean;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const DEFAULT_SCOPES = 'openid email profile';
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The providers to sign in with, and the service's own external base URL,
 * where their callbacks return. Discovery is not done here: a provider that
 * is down must never stop the boot.
 */
export function readIdentitiesConfig(env: Env) {
  // Read by name here rather than through an Environment class: their file forms too.
  resolveFileVariables(env, ['OIDC_PROVIDERS', 'PUBLIC_URL', 'APP_URL', 'CORS_ORIGINS', 'PORT']);
  const publicUrl = readPublicUrl(env);
  const names = (env.OIDC_PROVIDERS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const providers = names.map((name, index) => {
    if (!NAME.test(name)) throw new ConfigError(`OIDC_PROVIDERS: "${name}" must be lower-case letters, digits and hyphens (at most 32)`);
    if (names.indexOf(name) !== index) throw new ConfigError(`OIDC_PROVIDERS: "${name}" is listed twice`);
    return readProvider(env, name, publicUrl);
  });
  const appUrl = (env.APP_URL?.trim() || `http://localhost:${env.PORT ?? 3000}`).replace(/\/+$/, '');
  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  return { identities: { publicUrl, providers, appUrl, corsOrigins } };
}

export type IdentitiesConfig = ReturnType<typeof readIdentitiesConfig>['identities'];

export const identitiesConfig = registerAs('identities', () => readIdentitiesConfig(process.env).identities);

/** OIDC_<NAME>_...: the variables of provider `name` (`corp-sso` reads OIDC_CORP_SSO_ISSUER). */
export function providerVariable(name: string, suffix: string): string {
  return `OIDC_${name.toUpperCase().replace(/-/g, '_')}_${suffix}`;
}

function readProvider(env: Env, name: string, publicUrl: string): OidcProviderConfig {
  const value = (suffix: string) => {
    resolveFileVariables(env, [providerVariable(name, suffix)]);
    return env[providerVariable(name, suffix)]?.trim() || undefined;
  };
  const required = (suffix: string) => {
    const found = value(suffix);
    if (found === undefined) throw new ConfigError(`${providerVariable(name, suffix)} is required for the provider "${name}" in OIDC_PROVIDERS`);
    return found;
  };
  const issuerText = required('ISSUER');
  const issuer = parseUrl(issuerText);
  const local = issuer?.protocol === 'http:' && LOCAL_HOSTS.has(issuer.hostname);
  if (!issuer || issuer.search || issuer.hash || !(issuer.protocol === 'https:' || (local && !isProduction(env)))) {
    throw new ConfigError(
      `${providerVariable(name, 'ISSUER')} must be an https:// URL such as https://accounts.google.com (http:// only on localhost or 127.0.0.1, outside production)`,
    );
  }
  return {
    name,
    label: value('LABEL') ?? name.charAt(0).toUpperCase() + name.slice(1),
    issuer: issuerText,
    clientId: required('CLIENT_ID'),
    clientSecret: required('CLIENT_SECRET'),
    scopes: value('SCOPES') ?? DEFAULT_SCOPES,
    redirectUri: `${publicUrl}/api/v1/auth/oidc/${name}/callback`,
    insecureIssuer: issuer.protocol === 'http:',
  };
}

function readPublicUrl(env: Env): string {
  const text = env.PUBLIC_URL?.trim() || `http://localhost:${env.PORT ?? 3000}`;
  const url = parseUrl(text);
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new ConfigError('PUBLIC_URL must be the http(s) URL that reaches this service from outside, such as https://auth.example.com');
  }
  return text.replace(/\/+$/, '');
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
