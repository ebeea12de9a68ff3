import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../app-config';
import { ConfigError } from './environment';
import { fileVariablesNamed, resolveFileVariables } from './file-variables';

describe('resolveFileVariables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'file-variables-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it("sets NAME to the content of NAME_FILE's file, less one trailing newline", () => {
    const env: Record<string, string | undefined> = {
      DATABASE_URL_FILE: file('url', 'postgres://u:p@db/auth\n'),
      OIDC_ACME_CLIENT_SECRET_FILE: file('secret', 's3cret\r\n'),
    };
    resolveFileVariables(env, ['DATABASE_URL', 'OIDC_ACME_CLIENT_SECRET']);
    expect(env).toEqual({ DATABASE_URL: 'postgres://u:p@db/auth', OIDC_ACME_CLIENT_SECRET: 's3cret' });
  });

  it('resolves once: a second pass over the same environment changes nothing', () => {
    const env: Record<string, string | undefined> = { JWT_REFRESH_SECRET_FILE: file('refresh', 'r'.repeat(40)) };
    resolveFileVariables(env, ['JWT_REFRESH_SECRET']);
    resolveFileVariables(env, ['JWT_REFRESH_SECRET']);
    expect(env).toEqual({ JWT_REFRESH_SECRET: 'r'.repeat(40) });
  });

  it('keeps the rest of the content as it is (a value with inner newlines)', () => {
    const env: Record<string, string | undefined> = { METRICS_TOKEN_FILE: file('multi', 'line one\nline two\n\n') };
    resolveFileVariables(env, ['METRICS_TOKEN']);
    expect(env.METRICS_TOKEN).toBe('line one\nline two\n');
  });

  it('refuses both forms, naming both variables and neither value', () => {
    const env = { SMTP_URL: 'smtp://user:pass@mail', SMTP_URL_FILE: file('smtp', 'smtp://other@mail') };
    expect(() => resolveFileVariables(env, ['SMTP_URL'])).toThrow(new ConfigError('SMTP_URL and SMTP_URL_FILE are both set; set one of them'));
  });

  it('takes an empty NAME as unset, as every variable is', () => {
    const env: Record<string, string | undefined> = { METRICS_TOKEN: ' ', METRICS_TOKEN_FILE: file('token', 'abc') };
    resolveFileVariables(env, ['METRICS_TOKEN']);
    expect(env.METRICS_TOKEN).toBe('abc');
  });

  it('refuses a file it cannot read, in one line naming the variable', () => {
    const env = { MFA_ENCRYPTION_KEY_FILE: join(dir, 'missing') };
    expect(() => resolveFileVariables(env, ['MFA_ENCRYPTION_KEY'])).toThrow(/^MFA_ENCRYPTION_KEY_FILE=".*missing" cannot be read \(ENOENT\)$/);
  });

  it("leaves alone other programs' *_FILE variables, even unreadable ones", () => {
    const env: Record<string, string | undefined> = { TF_CLI_CONFIG_FILE: join(dir, 'missing'), SSL_CERT_FILE: join(dir, 'missing') };
    resolveFileVariables(env, ['DATABASE_URL', 'PORT']);
    expect(env).toEqual({ TF_CLI_CONFIG_FILE: join(dir, 'missing'), SSL_CERT_FILE: join(dir, 'missing') });
    expect(fileVariablesNamed(env, 'OTEL_')).toEqual([]);
  });

  it('names the OTEL_*_FILE variables of an environment, for the tracer', () => {
    expect(fileVariablesNamed({ OTEL_EXPORTER_OTLP_HEADERS_FILE: '/x', OTEL_SERVICE_NAME: 'a', TF_CLI_CONFIG_FILE: '/y' }, 'OTEL_')).toEqual([
      'OTEL_EXPORTER_OTLP_HEADERS',
    ]);
  });
});

describe('loadConfig with NAME_FILE variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'file-config-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, `${content}\n`);
    return path;
  };

  it("reads each module's variables from files, a provider's client secret included, and no one else's", () => {
    const config = loadConfig({
      DATABASE_URL_FILE: file('url', 'postgres://auth:pw@db:5432/auth'),
      METRICS_TOKEN_FILE: file('token', 'scrape-token'),
      OIDC_PROVIDERS: 'acme',
      OIDC_ACME_ISSUER: 'https://id.acme.example',
      OIDC_ACME_CLIENT_ID: 'client',
      OIDC_ACME_CLIENT_SECRET_FILE: file('oidc', 'provider-secret'),
      TF_CLI_CONFIG_FILE: join(dir, 'not-ours'),
    });
    expect(config.databaseUrl).toBe('postgres://auth:pw@db:5432/auth');
    expect(config.metrics.token).toBe('scrape-token');
    expect(config.identities.providers[0].clientSecret).toBe('provider-secret');
  });

  it("reads the provider list and the service's public URL from files too", () => {
    const config = loadConfig({
      OIDC_PROVIDERS_FILE: file('providers', 'corp'),
      PUBLIC_URL_FILE: file('public', 'https://auth.example.com'),
      OIDC_CORP_ISSUER: 'https://sso.corp.example',
      OIDC_CORP_CLIENT_ID: 'client',
      OIDC_CORP_CLIENT_SECRET: 'secret',
    });
    expect(config.identities.providers.map((provider) => provider.redirectUri)).toEqual(['https://auth.example.com/api/v1/auth/oidc/corp/callback']);
  });

  it('refuses a variable set both ways, in one line', () => {
    expect(() => loadConfig({ PORT: '3000', PORT_FILE: file('port', '3001') })).toThrow(new ConfigError('PORT and PORT_FILE are both set; set one of them'));
  });
});
