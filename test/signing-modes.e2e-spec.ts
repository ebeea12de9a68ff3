import { Test } from '@nestjs/testing';
import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, JsonWebKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify as verifyJwt } from 'jsonwebtoken';
import { SigningKeysService } from '../src/tokens/keys/signing-keys.service';
import { ClockModule } from '../src/common/clock';
import { ConfigError, loadConfig } from '../src/app-config';
import { TestConfigModule } from './support/test-config';
import { decodeToken } from './support/jws';
import { productionEnv } from './support/production-env';
import { startTestApp, TestApp } from './support/test-app';
import { logIn } from './support/users';

const secret = () => randomBytes(32).toString('base64url');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'signing-modes-'));
}

/** Starting must fail; returns the ConfigError it failed with. */
async function startupRefusal(start: () => Promise<unknown>): Promise<ConfigError> {
  const error = await start().then(
    () => new Error('the service started'),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

interface SigningMode {
  mode: string;
  env: Record<string, string>;
  /** What each JWKS key must contain. */
  jwks: Record<string, string>[];
}

describe.each<SigningMode>([
  { mode: 'ES256', env: {}, jwks: [{ kty: 'EC', crv: 'P-256' }] },
  { mode: 'RS256', env: { JWT_ALGORITHM: 'RS256' }, jwks: [{ kty: 'RSA', e: 'AQAB' }] },
  { mode: 'HS256', env: { JWT_ALGORITHM: 'HS256', JWT_ACCESS_SECRET: secret(), JWT_REFRESH_SECRET: secret() }, jwks: [] },
])('signing with $mode', ({ mode, env, jwks }) => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp(env);
  });
  afterAll(() => testApp.close());

  it(`signs both tokens with alg ${mode} and their own typ`, async () => {
    const { login } = await logIn(testApp, 'body');
    expect(decodeToken(login.body.accessToken).header).toMatchObject({ alg: mode, typ: 'at+jwt' });
    expect(decodeToken(login.body.refreshToken).header).toMatchObject({ alg: mode, typ: 'refresh+jwt' });
  });

  it('logs in, reads the profile and refreshes into a working pair', async () => {
    const { client, user, refreshToken } = await logIn(testApp, 'body');
    expect((await client.get('/api/v1/users/me')).body.email).toBe(user.email);

    const refreshed = await testApp.client().post('/api/v1/auth/refresh', { refreshToken });
    expect(refreshed.status).toBe(200);
    expect(decodeToken(refreshed.body.accessToken).header.alg).toBe(mode);
    client.bearer = refreshed.body.accessToken;
    const me = await client.get('/api/v1/users/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
  });

  it('works in cookie transport too', async () => {
    const { client, user } = await logIn(testApp, 'cookie');
    expect((await client.post('/api/v1/auth/refresh')).status).toBe(200);
    expect((await client.get('/api/v1/users/me')).body.email).toBe(user.email);
  });

  it(`refuses ${mode} tokens whose signature is not in canonical base64url or has the wrong length (401 TOKEN_INVALID)`, async () => {
    const { login } = await logIn(testApp, 'body');
    const [header, payload, signature] = login.body.accessToken.split('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variants = [
      `${signature}=`,
      signature.slice(0, -1) + alphabet[alphabet.indexOf(signature.at(-1)) | 1],
      signature.replace(/-/g, '+').replace(/_/g, '/') + (/[-_]/.test(signature) ? '' : '+'),
      `${signature}AAAA`,
      signature.slice(0, -4),
    ];
    for (const variant of variants) {
      const response = await testApp.client().get('/api/v1/users/me', { headers: { authorization: `Bearer ${header}.${payload}.${variant}` } });
      expect({ variant, status: response.status, code: response.body.code }).toEqual({ variant, status: 401, code: 'TOKEN_INVALID' });
    }
    const untouched = await testApp.client().get('/api/v1/users/me', { headers: { authorization: `Bearer ${login.body.accessToken}` } });
    expect(untouched.status).toBe(200);
  });

  it(`publishes ${jwks.length} public key(s) in the JWKS`, async () => {
    const response = await testApp.client().get('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.body.keys).toHaveLength(jwks.length);
    response.body.keys.forEach((key: Record<string, unknown>, index: number) => {
      expect(key).toMatchObject({ ...jwks[index], alg: mode, use: 'sig' });
      expect(key).not.toHaveProperty('d');
    });
  });

  if (mode !== 'HS256') {
    /** Verifies `token` as a resource server would: the JWKS key its kid names, with jsonwebtoken. */
    async function verifyWithJwks(token: string) {
      const { keys } = (await testApp.client().get('/.well-known/jwks.json')).body as { keys: Array<JsonWebKey & { kid: string }> };
      const key = keys.find((candidate) => candidate.kid === decodeToken(token).header.kid);
      if (!key) throw new Error('no JWKS key has the kid of this token');
      return verifyJwt(token, createPublicKey({ key, format: 'jwk' }), {
        algorithms: [mode as 'ES256' | 'RS256'],
        issuer: testApp.config.jwt.issuer,
        audience: testApp.config.jwt.audience,
        complete: true,
      });
    }

    it('issues access tokens that a client verifies with the JWKS alone', async () => {
      const { login } = await logIn(testApp, 'body');
      const { payload, header } = await verifyWithJwks(login.body.accessToken);
      expect(payload).toMatchObject({ sub: login.body.user.id });
      expect(header).toMatchObject({ typ: 'at+jwt', kid: expect.any(String) });
    });

    it('does not let the JWKS verify refresh tokens (they use another key)', async () => {
      const { refreshToken } = await logIn(testApp, 'body');
      await expect(verifyWithJwks(refreshToken!)).rejects.toThrow();
    });
  }
});

describe('refusing to start', () => {
  const dirs: string[] = [];
  const keysDir = () => {
    const dir = tempDir();
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('refuses production without DATABASE_URL in one line naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_KEYS_DIR: keysDir() })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_KEYS_DIR: keysDir() })).toThrow(/^[^\n]*DATABASE_URL[^\n]*$/);
  });

  it('refuses production with an empty JWT_KEYS_DIR, naming the missing key file, and generates no key', async () => {
    const dir = keysDir();
    const env = { ...productionEnv(), JWT_KEYS_DIR: dir };
    const error = await startupRefusal(() =>
      process.env.TEST_DATABASE_URL
        ? startTestApp(env)
        : // No PostgreSQL server to give production a DATABASE_URL: boot the signing keys on their own.
          bootSigningKeys({ ...env, DATABASE_URL: 'postgres://unused@127.0.0.1:1/test' }),
    );
    expect(error.message).toContain(join(dir, 'access.pem'));
    expect(error.message).not.toContain('\n');
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    { label: 'weak', access: 'password', refresh: secret() },
    { label: 'equal', access: 'same-secret-of-at-least-32-bytes!', refresh: 'same-secret-of-at-least-32-bytes!' },
  ])('refuses $label HS256 secrets in production', ({ access, refresh }) => {
    const env = {
      ...productionEnv(),
      DATABASE_URL: 'postgres://auth@db:5432/auth',
      JWT_ALGORITHM: 'HS256',
      JWT_ACCESS_SECRET: access,
      JWT_REFRESH_SECRET: refresh,
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/JWT_(ACCESS|REFRESH)_SECRET/);
  });

  it('stops the service process in production with HS256 secrets of 36 × a: exit 1, one line naming the variable and how to make a good one', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      ...productionEnv(),
      DATA_DIR: keysDir(),
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/test',
      JWT_ALGORITHM: 'HS256',
      JWT_ACCESS_SECRET: 'a'.repeat(36),
      JWT_REFRESH_SECRET: secret(),
    };
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], { env, timeout: 30_000 }, (_error, out, err) =>
        resolve({ code: child.exitCode, stdout: out, stderr: err }),
      );
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/JWT_ACCESS_SECRET.*openssl rand/);
    expect(lines[0]).not.toContain('a'.repeat(36));
  });

  it('refuses a P-256 key in JWT_KEYS_DIR when JWT_ALGORITHM=RS256', async () => {
    const dir = keysDir();
    for (const kind of ['access', 'refresh']) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(join(dir, `${kind}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    }
    const error = await startupRefusal(() => startTestApp({ JWT_ALGORITHM: 'RS256', JWT_KEYS_DIR: dir }));
    expect(error.message).toMatch(/access\.pem.*RS256/);
    expect(error.message).not.toContain('\n');
  });
});

/** The signing keys of `env` booted without the rest of the application. */
async function bootSigningKeys(env: Record<string, string>): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [TestConfigModule.from(env), ClockModule.forRoot()],
    providers: [SigningKeysService],
  }).compile();
  try {
    await moduleRef.init();
  } finally {
    await moduleRef.close();
  }
}
