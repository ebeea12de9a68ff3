import { ConfigError } from '../config/environment';
import { readPasskeysConfig } from './passkeys.config';

describe('readPasskeysConfig', () => {
  it('follows APP_URL by default: its host is the RP ID, its origin the one origin', () => {
    expect(readPasskeysConfig({ APP_URL: 'https://app.example.com/base/' })).toEqual({
      passkeys: { rpId: 'app.example.com', rpName: 'Auth service', origins: ['https://app.example.com'] },
    });
  });

  it('without APP_URL, the service itself on PORT', () => {
    expect(readPasskeysConfig({ PORT: '4100' }).passkeys).toMatchObject({ rpId: 'localhost', origins: ['http://localhost:4100'] });
  });

  it('takes a parent domain as RP ID, with origins on its subdomains', () => {
    const { passkeys } = readPasskeysConfig({
      WEBAUTHN_RP_ID: 'Example.com',
      WEBAUTHN_RP_NAME: 'Example',
      WEBAUTHN_ORIGINS: 'https://app.example.com, https://example.com:8443/',
    });
    expect(passkeys).toEqual({ rpId: 'example.com', rpName: 'Example', origins: ['https://app.example.com', 'https://example.com:8443'] });
  });

  it('refuses an origin that is not on the RP ID, naming both', () => {
    expect(() => readPasskeysConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.org' })).toThrow(
      new ConfigError(
        'WEBAUTHN_ORIGINS: https://example.org is not on WEBAUTHN_RP_ID="example.com" (each origin\'s host must be the RP ID or a subdomain of it; both default to APP_URL\'s)',
      ),
    );
  });

  it('refuses a look-alike suffix that is not a subdomain', () => {
    expect(() => readPasskeysConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://badexample.com' })).toThrow(ConfigError);
  });

  it.each(['https://example.com', 'example.com:443', '127.0.0.1', '127.0.0.1:3000', 'exa mple.com'])('refuses the RP ID %s', (rpId) => {
    expect(() => readPasskeysConfig({ WEBAUTHN_RP_ID: rpId })).toThrow(/^WEBAUTHN_RP_ID="[^"]*" must be a domain name/);
  });

  it.each(['https://app.example.com/login', 'app.example.com', 'ftp://app.example.com', 'https://app.example.com?x=1'])('refuses the origin %s', (origin) => {
    expect(() => readPasskeysConfig({ WEBAUTHN_RP_ID: 'app.example.com', WEBAUTHN_ORIGINS: origin })).toThrow(
      /^WEBAUTHN_ORIGINS="[^"]*" must be a comma-separated list of origins/,
    );
  });
});
