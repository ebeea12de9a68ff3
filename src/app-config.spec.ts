import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

/** Good secrets: 32 random bytes, as `openssl rand` would give them. */
const SECRET_A = randomBytes(32).toString('base64url');
const SECRET_B = randomBytes(32).toString('base64url');
/** HS256 with these secrets (an omitted one stays unset). */
function hs256(accessSecret?: string, refreshSecret?: string): Record<string, string> {
  return {
    JWT_ALGORITHM: 'HS256',
    ...(accessSecret === undefined ? {} : { JWT_ACCESS_SECRET: accessSecret }),
    ...(refreshSecret === undefined ? {} : { JWT_REFRESH_SECRET: refreshSecret }),
  };
}

/** What production needs beyond signing keys: a database, a mail server, the base of mailed links, a metrics token and the key of TOTP secrets. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://auth:secret@db:5432/auth',
  SMTP_URL: 'smtp://mail.example.com:587',
  APP_URL: 'https://app.example.com',
  METRICS_TOKEN: SECRET_A,
  MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  describe("defaults (API.md's table)", () => {
    const config = loadConfig({});

    it('mails from auth@localhost to the outbox under .data, with links to the service itself and the contract lifetimes', () => {
      expect(config.mail).toEqual({ smtpUrl: undefined, from: 'auth@localhost', outboxDir: resolve('.data', 'outbox'), logLinks: true });
      expect(config.recovery).toEqual({
        appUrl: 'http://localhost:3000',
        passwordResetTtlSeconds: 30 * 60,
        emailVerificationTtlSeconds: 24 * 3600,
      });
      expect(config.requireVerifiedEmail).toBe(false);
    });

    it('listens on 0.0.0.0:3000', () => {
      expect(config).toMatchObject({ port: 3000, host: '0.0.0.0' });
    });

    it('uses the embedded database under .data when DATABASE_URL is unset', () => {
      expect(config.databaseUrl).toBeUndefined();
      expect(config.dataDir).toBe(resolve('.data'));
      expect(config.jwt.keysDir).toBe(resolve('.data', 'keys'));
    });

    it('signs ES256 tokens for issuer auth-service and audience api, with a 30 s clock tolerance', () => {
      expect(config.jwt).toMatchObject({ issuer: 'auth-service', audience: 'api', algorithm: 'ES256', clockToleranceSeconds: 30 });
    });

    it('lives 15m per access token, 30d idle and 90d in all per session, with a 10 s reuse grace', () => {
      expect(config).toMatchObject({
        accessTokenTtlSeconds: 15 * 60,
        refreshTokenTtlSeconds: 30 * 86_400,
        sessionMaxLifetimeSeconds: 90 * 86_400,
        refreshReuseGraceSeconds: 10,
      });
    });

    it('sets Secure cookies, allows no CORS origin and trusts no proxy', () => {
      expect(config).toMatchObject({ cookieSecure: true, corsOrigins: [], trustProxy: false });
    });

    it('limits logins to 5/1m and auth requests to 30/1m, enabled', () => {
      expect(config.rateLimit).toEqual({
        enabled: true,
        login: { limit: 5, windowSeconds: 60 },
        auth: { limit: 30, windowSeconds: 60 },
      });
    });

    it('hashes as many passwords at once as there are cores, with 64 more waiting', () => {
      expect(config.passwordHashing).toEqual({ concurrency: availableParallelism(), queue: 64 });
    });

    it('serves Swagger and logs at info outside production', () => {
      expect(config).toMatchObject({ swaggerEnabled: true, logLevel: 'info', isProduction: false });
    });

    it('pools 20 connections, migrates at boot, drains for 10 s on SIGTERM and serves /metrics without a token', () => {
      expect(config).toMatchObject({ databasePoolSize: 20, migrationsRun: true, shutdownGraceSeconds: 10, shutdownDelaySeconds: 0, metrics: { enabled: true } });
      expect(config.metrics.token).toBeUndefined();
    });
  });

  it.each([
    ['10s', 10],
    ['15m', 900],
    ['30d', 2_592_000],
    ['45', 45],
  ])('reads the duration %p as %i seconds', (raw, seconds) => {
    expect(loadConfig({ REFRESH_REUSE_GRACE: raw }).refreshReuseGraceSeconds).toBe(seconds);
  });

  it('reads overridden values', () => {
    const config = loadConfig({
      PORT: '8080',
      JWT_ISSUER: 'issuer-x',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      RATE_LIMIT_LOGIN: '10/5m',
      COOKIE_SECURE: 'false',
      PASSWORD_HASH_CONCURRENCY: '3',
      PASSWORD_HASH_QUEUE: '0',
    });
    expect(config.passwordHashing).toEqual({ concurrency: 3, queue: 0 });
    expect(config).toMatchObject({ port: 8080, cookieSecure: false, corsOrigins: ['https://a.example', 'https://b.example'] });
    expect(config.jwt.issuer).toBe('issuer-x');
    expect(config.rateLimit.login).toEqual({ limit: 10, windowSeconds: 300 });
  });

  it('reads SHUTDOWN_DELAY and METRICS_PORT', () => {
    expect(loadConfig({ SHUTDOWN_DELAY: '5s', METRICS_PORT: '9464' })).toMatchObject({ shutdownDelaySeconds: 5, metrics: { port: 9464 } });
  });

  it("refuses a METRICS_PORT that is the service's PORT, in one line naming it", () => {
    expect(refusal({ PORT: '8080', METRICS_PORT: '8080' }).message).toMatch(/^METRICS_PORT=8080 is the service's PORT/);
    expect(refusal({ METRICS_PORT: '3000' }).message).toMatch(/^METRICS_PORT=3000/);
    expect(refusal({ METRICS_PORT: 'metrics' }).message).toBe('METRICS_PORT="metrics" must be a port number');
  });

  describe('TRUST_PROXY', () => {
    it.each([
      ['false', false],
      ['0', false],
      ['1', 1],
      ['2', 2],
      ['10.0.0.0/8', ['10.0.0.0/8']],
      ['10.0.0.0/8, 192.168.1.7 ,fd00::/8', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8']],
      ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
    ])('reads %p as %p', (raw, trustProxy) => {
      expect(loadConfig({ TRUST_PROXY: raw }).trustProxy).toEqual(trustProxy);
    });

    it('refuses true, which would trust a chain a client can prepend to, saying what to set instead', () => {
      const error = refusal({ TRUST_PROXY: 'true' });
      expect(error.message).toMatch(/^TRUST_PROXY=true .*prepend.* number of proxies/);
    });

    it.each(['yes', '10.0.0.0/33', '300.1.1.1', 'fd00::/129', '10.0.0.0/8,example.com', '1.5', ','])('refuses %p in one line naming TRUST_PROXY', (raw) => {
      expect(refusal({ TRUST_PROXY: raw }).message).toMatch(
        /^TRUST_PROXY=".*" must be false, a number of proxy hops, or a comma-separated list of proxy addresses or CIDRs$/,
      );
    });
  });

  it.each([
    ['base64', randomBytes(32).toString('base64')],
    ['base64url', randomBytes(32).toString('base64url')],
    ['hex (64 characters)', randomBytes(32).toString('hex')],
    ['base64 of 48 bytes', randomBytes(48).toString('base64')],
  ])('accepts an HS256 secret of random bytes in %s', (_encoding, secret) => {
    expect(loadConfig(hs256(secret, SECRET_B)).jwt.accessSecret).toBe(secret);
  });

  it.each([
    ['36 × a', 'a'.repeat(36)],
    ['a repeated word', 'secret'.repeat(8)],
    ['a repeated random-looking unit', 'x7Qp2'.repeat(10)],
    ['two characters, not periodic', '0110100110010110100101100110100110010110011010010110100110010110'],
    ['words of low entropy', 'correct horse battery staple 123'],
    ['a run of neighbouring characters', 'abcdefghijklmnopqrstuvwxyz0123456789'],
  ])('refuses an HS256 secret that is %s as weak, outside production too, saying how to make a good one', (_label, secret) => {
    const error = refusal(hs256(secret, SECRET_B));
    expect(error.message).toContain('JWT_ACCESS_SECRET');
    expect(error.message).toContain('openssl rand');
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('\n');
  });

  it('refuses a weak refresh secret, naming JWT_REFRESH_SECRET', () => {
    expect(refusal(hs256(SECRET_A, 'b'.repeat(40))).message).toContain('JWT_REFRESH_SECRET');
  });

  it('accepts HS256 with two different secrets of 32 bytes', () => {
    expect(loadConfig(hs256(SECRET_A, SECRET_B)).jwt).toMatchObject({
      algorithm: 'HS256',
      accessSecret: SECRET_A,
      refreshSecret: SECRET_B,
    });
  });

  it.each<{ label: string; env: Record<string, string>; variable: string }>([
    { label: 'a PORT that is not a number', env: { PORT: 'http' }, variable: 'PORT' },
    { label: 'a PORT out of range', env: { PORT: '70000' }, variable: 'PORT' },
    { label: 'a bad duration', env: { ACCESS_TOKEN_TTL: 'soon' }, variable: 'ACCESS_TOKEN_TTL' },
    { label: 'a negative duration', env: { JWT_CLOCK_TOLERANCE: '-5s' }, variable: 'JWT_CLOCK_TOLERANCE' },
    { label: 'an access TTL of zero', env: { ACCESS_TOKEN_TTL: '0' }, variable: 'ACCESS_TOKEN_TTL' },
    { label: 'an unknown JWT_ALGORITHM', env: { JWT_ALGORITHM: 'EdDSA' }, variable: 'JWT_ALGORITHM' },
    { label: 'JWT_ALGORITHM none', env: { JWT_ALGORITHM: 'none' }, variable: 'JWT_ALGORITHM' },
    { label: 'HS256 without an access secret', env: hs256(undefined, SECRET_B), variable: 'JWT_ACCESS_SECRET' },
    { label: 'HS256 without a refresh secret', env: hs256(SECRET_A), variable: 'JWT_REFRESH_SECRET' },
    { label: 'an HS256 access secret under 32 bytes', env: hs256('a'.repeat(31), SECRET_B), variable: 'JWT_ACCESS_SECRET' },
    { label: 'an HS256 refresh secret under 32 bytes', env: hs256(SECRET_A, 'short'), variable: 'JWT_REFRESH_SECRET' },
    { label: 'equal HS256 secrets', env: hs256(SECRET_A, SECRET_A), variable: 'JWT_REFRESH_SECRET' },
    { label: 'a bad COOKIE_SECURE', env: { COOKIE_SECURE: 'maybe' }, variable: 'COOKIE_SECURE' },
    { label: 'a RATE_LIMIT_LOGIN without a window', env: { RATE_LIMIT_LOGIN: '5' }, variable: 'RATE_LIMIT_LOGIN' },
    { label: 'a RATE_LIMIT_LOGIN of zero', env: { RATE_LIMIT_LOGIN: '0/1m' }, variable: 'RATE_LIMIT_LOGIN' },
    { label: 'a RATE_LIMIT_LOGIN with a bad window', env: { RATE_LIMIT_LOGIN: '5/whenever' }, variable: 'RATE_LIMIT_LOGIN' },
    { label: 'a bad RATE_LIMIT_AUTH', env: { RATE_LIMIT_AUTH: 'lots' }, variable: 'RATE_LIMIT_AUTH' },
    { label: 'a PASSWORD_HASH_CONCURRENCY of zero', env: { PASSWORD_HASH_CONCURRENCY: '0' }, variable: 'PASSWORD_HASH_CONCURRENCY' },
    { label: 'a PASSWORD_HASH_CONCURRENCY that is not a number', env: { PASSWORD_HASH_CONCURRENCY: 'many' }, variable: 'PASSWORD_HASH_CONCURRENCY' },
    { label: 'a negative PASSWORD_HASH_QUEUE', env: { PASSWORD_HASH_QUEUE: '-1' }, variable: 'PASSWORD_HASH_QUEUE' },
    { label: 'a fractional PASSWORD_HASH_QUEUE', env: { PASSWORD_HASH_QUEUE: '2.5' }, variable: 'PASSWORD_HASH_QUEUE' },
    { label: 'a DATABASE_URL that is not postgres://', env: { DATABASE_URL: 'mysql://db/auth' }, variable: 'DATABASE_URL' },
    { label: 'an unknown LOG_LEVEL', env: { LOG_LEVEL: 'loud' }, variable: 'LOG_LEVEL' },
    { label: 'a pool of one connection', env: { DATABASE_POOL_SIZE: '1' }, variable: 'DATABASE_POOL_SIZE' },
    { label: 'a pool size that is not a number', env: { DATABASE_POOL_SIZE: 'many' }, variable: 'DATABASE_POOL_SIZE' },
    { label: 'a bad MIGRATIONS_RUN', env: { MIGRATIONS_RUN: 'later' }, variable: 'MIGRATIONS_RUN' },
    { label: 'a bad SHUTDOWN_GRACE', env: { SHUTDOWN_GRACE: 'a while' }, variable: 'SHUTDOWN_GRACE' },
    { label: 'a bad METRICS_ENABLED', env: { METRICS_ENABLED: 'sometimes' }, variable: 'METRICS_ENABLED' },
  ])('refuses $label with a ConfigError naming $variable', ({ env, variable }) => {
    const error = refusal(env);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('\n');
  });

  it('refuses NODE_ENV=production without DATABASE_URL in one line naming it', () => {
    const error = refusal({ NODE_ENV: 'production' });
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).not.toContain('\n');
  });

  it.each([
    ['SMTP_URL', 'reset and verification mails would only be written to a folder'],
    ['APP_URL', 'the links in mails lead there'],
    ['METRICS_TOKEN', 'METRICS_ENABLED=false'],
    ['MFA_ENCRYPTION_KEY', 'openssl rand -base64 32'],
  ])('refuses NODE_ENV=production without %s, in one line naming it', (variable, why) => {
    const { [variable as keyof typeof PRODUCTION]: _left, ...env } = PRODUCTION;
    const error = refusal(env);
    expect(error.message).toMatch(new RegExp(`^${variable} is required when NODE_ENV=production`));
    expect(error.message).toContain(why);
    expect(error.message).not.toContain('\n');
  });

  it('serves no /metrics in production when METRICS_ENABLED=false, and then needs no METRICS_TOKEN', () => {
    const { METRICS_TOKEN: _token, ...env } = PRODUCTION;
    expect(loadConfig({ ...env, METRICS_ENABLED: 'false' }).metrics).toEqual({ enabled: false, token: undefined });
  });

  it('starts in production with a DATABASE_URL and serves no Swagger by default', () => {
    expect(loadConfig(PRODUCTION)).toMatchObject({ isProduction: true, swaggerEnabled: false, databaseUrl: PRODUCTION.DATABASE_URL });
  });

  it('serves Swagger in production only when SWAGGER_ENABLED=true', () => {
    expect(loadConfig({ ...PRODUCTION, SWAGGER_ENABLED: 'true' }).swaggerEnabled).toBe(true);
  });

  it.each<{ label: string; env: Record<string, string>; variable: string }>([
    { label: 'missing', env: hs256(), variable: 'JWT_ACCESS_SECRET' },
    { label: 'short', env: hs256('password', SECRET_B), variable: 'JWT_ACCESS_SECRET' },
    { label: '36 × a', env: hs256('a'.repeat(36), SECRET_B), variable: 'JWT_ACCESS_SECRET' },
    { label: 'equal', env: hs256(SECRET_B, SECRET_B), variable: 'JWT_REFRESH_SECRET' },
  ])('refuses $label HS256 secrets in production, naming $variable', ({ env, variable }) => {
    expect(refusal({ ...PRODUCTION, ...env }).message).toContain(variable);
  });

  describe('mail and recovery', () => {
    it('links to the service on its own PORT unless APP_URL says otherwise (without a trailing slash)', () => {
      expect(loadConfig({ PORT: '8080' }).recovery.appUrl).toBe('http://localhost:8080');
      expect(loadConfig({ PORT: '8080', APP_URL: 'https://app.example.com/' }).recovery.appUrl).toBe('https://app.example.com');
    });

    it.each([
      ['APP_URL', 'app.example.com'],
      ['APP_URL', 'ftp://app.example.com'],
      ['SMTP_URL', 'http://mail.example.com'],
      ['MAIL_FROM', 'not an address'],
      ['PASSWORD_RESET_TTL', '10s'],
      ['REQUIRE_VERIFIED_EMAIL', 'yes please'],
    ])('refuses %s=%s in one line naming it', (name, value) => {
      expect(refusal({ [name]: value }).message).toMatch(new RegExp(`^[^\n]*${name}[^\n]*$`));
    });

    it('keeps links out of the log in production', () => {
      expect(loadConfig({ ...PRODUCTION, ...hs256(SECRET_A, SECRET_B) }).mail.logLinks).toBe(false);
    });
  });
});
