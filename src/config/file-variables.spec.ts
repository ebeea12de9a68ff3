import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './environment';
import { resolveFileVariables } from './file-variables';

describe('resolveFileVariables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'file-variables-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it("sets X to the content of X_FILE's file, less one trailing newline", () => {
    const env: Record<string, string | undefined> = {
      DATABASE_URL_FILE: file('url', 'postgres://u:p@db/auth\n'),
      OIDC_ACME_CLIENT_SECRET_FILE: file('secret', 's3cret\r\n'),
    };
    resolveFileVariables(env);
    expect(env.DATABASE_URL).toBe('postgres://u:p@db/auth');
    expect(env.OIDC_ACME_CLIENT_SECRET).toBe('s3cret');
  });

  it('resolves once: a second pass over the same environment changes nothing', () => {
    const env: Record<string, string | undefined> = { JWT_REFRESH_SECRET_FILE: file('refresh', 'r'.repeat(40)) };
    resolveFileVariables(env);
    resolveFileVariables(env);
    expect(env).toEqual({ JWT_REFRESH_SECRET: 'r'.repeat(40) });
  });

  it('keeps the rest of the content as it is (a PEM or a value with inner newlines)', () => {
    const env: Record<string, string | undefined> = { METRICS_TOKEN_FILE: file('multi', 'line one\nline two\n\n') };
    resolveFileVariables(env);
    expect(env.METRICS_TOKEN).toBe('line one\nline two\n');
  });

  it('refuses both forms, naming both variables and neither value', () => {
    const env = { SMTP_URL: 'smtp://user:pass@mail', SMTP_URL_FILE: file('smtp', 'smtp://other@mail') };
    expect(() => resolveFileVariables(env)).toThrow(new ConfigError('SMTP_URL and SMTP_URL_FILE are both set; set one of them'));
  });

  it('takes an empty X as unset, as every variable is', () => {
    const env: Record<string, string | undefined> = { METRICS_TOKEN: ' ', METRICS_TOKEN_FILE: file('token', 'abc') };
    resolveFileVariables(env);
    expect(env.METRICS_TOKEN).toBe('abc');
  });

  it('refuses a file it cannot read, in one line naming the variable', () => {
    const env = { MFA_ENCRYPTION_KEY_FILE: join(dir, 'missing') };
    expect(() => resolveFileVariables(env)).toThrow(ConfigError);
    expect(() => resolveFileVariables(env)).toThrow(/^MFA_ENCRYPTION_KEY_FILE=".*missing" cannot be read \(ENOENT\)$/);
  });

  it('leaves alone an empty X_FILE and names that are not variables', () => {
    const env: Record<string, string | undefined> = { JWT_ACCESS_SECRET_FILE: '', npm_config_cache_FILE: join(dir, 'missing') };
    resolveFileVariables(env);
    expect(env).toEqual({ JWT_ACCESS_SECRET_FILE: '', npm_config_cache_FILE: join(dir, 'missing') });
  });
});
