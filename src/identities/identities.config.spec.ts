import { ConfigError } from '../config/environment';
import { providerVariable, readIdentitiesConfig } from './identities.config';

const GOOGLE = {
  OIDC_PROVIDERS: 'google',
  OIDC_GOOGLE_ISSUER: 'https://accounts.google.com',
  OIDC_GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com',
  OIDC_GOOGLE_CLIENT_SECRET: 'google secret',
};

describe('readIdentitiesConfig', () => {
  it('has no providers by default, and PUBLIC_URL is the service itself on PORT', () => {
    expect(readIdentitiesConfig({ PORT: '4100' }).identities).toMatchObject({ providers: [], publicUrl: 'http://localhost:4100', appUrl: 'http://localhost:4100' });
  });

  it('reads each provider of OIDC_PROVIDERS, with default scopes and label, and its callback on PUBLIC_URL', () => {
    const { identities } = readIdentitiesConfig({
      ...GOOGLE,
      OIDC_PROVIDERS: ' google , corp-sso ',
      OIDC_CORP_SSO_ISSUER: 'https://sso.example.com/realms/staff',
      OIDC_CORP_SSO_CLIENT_ID: 'auth',
      OIDC_CORP_SSO_CLIENT_SECRET: 'corp secret',
      OIDC_CORP_SSO_SCOPES: 'openid email',
      OIDC_CORP_SSO_LABEL: 'Staff sign-in',
      PUBLIC_URL: 'https://auth.example.com/',
    });
    expect(identities.publicUrl).toBe('https://auth.example.com');
    expect(identities.providers).toEqual([
      {
        name: 'google',
        label: 'Google',
        issuer: 'https://accounts.google.com',
        clientId: 'id.apps.googleusercontent.com',
        clientSecret: 'google secret',
        scopes: 'openid email profile',
        redirectUri: 'https://auth.example.com/api/v1/auth/oidc/google/callback',
        insecureIssuer: false,
      },
      {
        name: 'corp-sso',
        label: 'Staff sign-in',
        issuer: 'https://sso.example.com/realms/staff',
        clientId: 'auth',
        clientSecret: 'corp secret',
        scopes: 'openid email',
        redirectUri: 'https://auth.example.com/api/v1/auth/oidc/corp-sso/callback',
        insecureIssuer: false,
      },
    ]);
  });

  it('names a provider’s variables in upper case, hyphens as underscores', () => {
    expect(providerVariable('corp-sso', 'CLIENT_ID')).toBe('OIDC_CORP_SSO_CLIENT_ID');
  });

  it.each(['CLIENT_ID', 'CLIENT_SECRET', 'ISSUER'])('refuses a provider without OIDC_<NAME>_%s, naming the variable', (suffix) => {
    expect(() => readIdentitiesConfig({ ...GOOGLE, [`OIDC_GOOGLE_${suffix}`]: ' ' })).toThrow(
      new ConfigError(`OIDC_GOOGLE_${suffix} is required for the provider "google" in OIDC_PROVIDERS`),
    );
  });

  it.each(['http://accounts.google.com', 'accounts.google.com', 'https://accounts.google.com?x=1', 'ftp://accounts.google.com'])(
    'refuses the issuer %s',
    (issuer) => {
      expect(() => readIdentitiesConfig({ ...GOOGLE, OIDC_GOOGLE_ISSUER: issuer })).toThrow(/^OIDC_GOOGLE_ISSUER must be an https:\/\/ URL/);
    },
  );

  it('allows an http issuer on localhost or 127.0.0.1 outside production only', () => {
    for (const issuer of ['http://localhost:4000', 'http://127.0.0.1:4000/oidc']) {
      expect(readIdentitiesConfig({ ...GOOGLE, OIDC_GOOGLE_ISSUER: issuer }).identities.providers[0]).toMatchObject({ issuer, insecureIssuer: true });
      expect(() => readIdentitiesConfig({ ...GOOGLE, OIDC_GOOGLE_ISSUER: issuer, NODE_ENV: 'production' })).toThrow(ConfigError);
    }
  });

  it.each(['Google', 'g_oogle', '-google', 'a'.repeat(33)])('refuses the provider name %s', (name) => {
    expect(() => readIdentitiesConfig({ OIDC_PROVIDERS: name })).toThrow(/^OIDC_PROVIDERS: ".*" must be lower-case letters, digits and hyphens/);
  });

  it('refuses a provider listed twice', () => {
    expect(() => readIdentitiesConfig({ ...GOOGLE, OIDC_PROVIDERS: 'google,google' })).toThrow(new ConfigError('OIDC_PROVIDERS: "google" is listed twice'));
  });

  it.each(['auth.example.com', 'https://auth.example.com?x=1', 'https://user:pass@auth.example.com', 'ftp://auth.example.com'])(
    'refuses PUBLIC_URL %s',
    (publicUrl) => {
      expect(() => readIdentitiesConfig({ PUBLIC_URL: publicUrl })).toThrow(/^PUBLIC_URL must be the http\(s\) URL/);
    },
  );
});
