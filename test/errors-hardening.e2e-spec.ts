import { createPrivateKey, createPublicKey, createSecretKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withCanonicalSignature } from '../src/tokens/jwt-canonical-form';
import { ApiResponse } from './support/api-client';
import { decodeToken, signJws } from './support/jws';
import { expectError, responseText } from './support/errors-assertions';
import { rawRequest, RawResponse } from './support/raw-http';
import { freePort } from './support/free-port';
import { ServiceProcess, serviceEnv, sharedKeysDir } from './support/service-process';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, LoggedInClient, registerUser } from './support/users';

const ME = '/api/v1/users/me';
const LOGIN = '/api/v1/auth/login';
const JSON_HEADERS = { 'content-type': 'application/json' };

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString());

function withPayload(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const claims = decode(payload);
  change(claims);
  return [header, encode(claims), signature].join('.');
}

/** Changes one character in the middle of the signature (the last one may only carry padding bits). */
function withTamperedSignature(token: string): string {
  const [header, payload, signature] = token.split('.');
  const at = Math.floor(signature.length / 2);
  const swapped = signature[at] === 'A' ? 'B' : 'A';
  return [header, payload, signature.slice(0, at) + swapped + signature.slice(at + 1)].join('.');
}

function expectInvalidToken(response: ApiResponse): void {
  expectError(response, 401, 'TOKEN_INVALID');
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

describe('errors and hardening', () => {
  let testApp: TestApp;
  let session: LoggedInClient;
  let accessToken: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    session = await logIn(testApp, 'body');
    accessToken = session.login.body.accessToken;
  });
  afterAll(() => testApp.close());

  const getMe = (authorization: string) => testApp.client().get(ME, { headers: { authorization } });

  describe('request bodies', () => {
    it('answers 400 VALIDATION_FAILED to malformed JSON', async () => {
      const response = await testApp.client().post(LOGIN, undefined, { rawBody: '{"email": "a@b.c",', headers: JSON_HEADERS });
      expectError(response, 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['an array', '[{"email":"a@example.com","password":"long enough"}]'],
      ['a string', '"a@example.com"'],
      ['a number', '42'],
    ])('answers 400 VALIDATION_FAILED to a JSON body that is %s', async (_kind, rawBody) => {
      const response = await testApp.client().post(LOGIN, undefined, { rawBody, headers: JSON_HEADERS });
      expectError(response, 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['text/plain', 'email=a@example.com&password=long enough'],
      ['application/x-www-form-urlencoded', 'email=a%40example.com&password=long+enough'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.com\r\n--x--'],
    ])('answers 400 VALIDATION_FAILED, never 500, to a %s login body', async (contentType, rawBody) => {
      const response = await testApp.client().post(LOGIN, undefined, { rawBody, headers: { 'content-type': contentType } });
      expectError(response, 400, 'VALIDATION_FAILED');
    });

    it('answers 400 VALIDATION_FAILED to unknown properties, with per-field details', async () => {
      const response = await testApp.client().post(LOGIN, { email: 'a@example.com', password: 'long enough', admin: true });
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'admin' })]));
    });

    it('answers 413 PAYLOAD_TOO_LARGE to a body over 16 KiB', async () => {
      const response = await testApp.client().post(LOGIN, { email: 'a@example.com', password: 'x'.repeat(17 * 1024) });
      expectError(response, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('reads a body just under 16 KiB (its over-long password is refused by validation, not by size)', async () => {
      const response = await testApp.client().post(LOGIN, { email: 'a@example.com', password: 'x'.repeat(15 * 1024) });
      expectError(response, 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['__proto__', '{"email":"a@example.com","password":"long enough","__proto__":{"roles":["admin"]}}'],
      ['constructor.prototype', '{"email":"a@example.com","password":"long enough","constructor":{"prototype":{"roles":["admin"]}}}'],
    ])('answers 400 VALIDATION_FAILED to a %s pollution attempt', async (_kind, rawBody) => {
      const response = await testApp.client().post(LOGIN, undefined, { rawBody, headers: JSON_HEADERS });
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(({} as Record<string, unknown>).roles).toBeUndefined();
    });

    it('refuses a __proto__ body on an authenticated route and changes nothing', async () => {
      const rawBody = '{"name":"Polluted","__proto__":{"polluted":"yes"}}';
      expectError(await session.client.patch(ME, undefined, { rawBody, headers: JSON_HEADERS }), 400, 'VALIDATION_FAILED');
      expect((await session.client.get(ME)).body.name).not.toBe('Polluted');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('strings the database or the validators cannot take (NUL, unpaired surrogates) and deep JSON', () => {
    const REGISTER = '/api/v1/auth/register';
    const newEmail = () => `user-${Math.random().toString(36).slice(2)}@example.com`;

    it.each([
      ['a NUL byte in name', () => ({ email: newEmail(), password: 'a long enough passphrase', name: 'Ann\u0000' })],
      ['a lone high surrogate in email', () => ({ email: `ann\ud800${newEmail()}`, password: 'a long enough passphrase' })],
      ['a lone low surrogate in name', () => ({ email: newEmail(), password: 'a long enough passphrase', name: 'Ann \udc00' })],
      ['a NUL byte in a property name', () => ({ email: newEmail(), password: 'a long enough passphrase', 'na\u0000me': 'Ann' })],
    ])('answers 400 VALIDATION_FAILED, never 500, to a registration with %s', async (_label, body) => {
      expectError(await testApp.client().post(REGISTER, body()), 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['a NUL byte', 'Ann\u0000'],
      ['a lone surrogate', 'Ann\ud83d'],
    ])('answers 400 VALIDATION_FAILED to PATCH /users/me with %s in name, and keeps the name', async (_label, name) => {
      const before = (await session.client.get(ME)).body.name;
      expectError(await session.client.patch(ME, { name }), 400, 'VALIDATION_FAILED');
      expect((await session.client.get(ME)).body.name).toBe(before);
    });

    it('answers 400 VALIDATION_FAILED to a login whose email holds a lone surrogate', async () => {
      expectError(await testApp.client().post(LOGIN, { email: 'ann\udfff@example.com', password: 'long enough' }), 400, 'VALIDATION_FAILED');
    });

    it('still takes a name with a paired surrogate (an emoji)', async () => {
      const response = await session.client.patch(ME, { name: 'Ann \ud83d\ude00' });
      expect(response.status).toBe(200);
      expect(response.body.name).toBe('Ann 😀');
    });

    // As deep as fits in the 16 KiB body limit.
    it.each([
      ['arrays nested 5,000 deep', `{"email":"a@example.com","password":"long enough","name":${'['.repeat(4999)}${']'.repeat(4999)}}`],
      ['objects nested 2,500 deep', `${'{"a":'.repeat(2500)}1${'}'.repeat(2500)}`],
    ])('answers 400 VALIDATION_FAILED to JSON %s', async (_kind, rawBody) => {
      const response = await testApp.client().post(LOGIN, undefined, { rawBody, headers: JSON_HEADERS });
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(response.body.message).toMatch(/deeper than 32/);
    });

    it('refuses JSON 33 levels deep for its depth, and reads 32 levels (then refused by validation)', async () => {
      const nested = (depth: number) => `{"email":"a@example.com","password":"long enough","x":${'{"a":'.repeat(depth - 1)}1${'}'.repeat(depth - 1)}}`;
      const tooDeep = await testApp.client().post(LOGIN, undefined, { rawBody: nested(33), headers: JSON_HEADERS });
      expectError(tooDeep, 400, 'VALIDATION_FAILED');
      expect(tooDeep.body.message).toMatch(/deeper than 32/);
      const deepest = await testApp.client().post(LOGIN, undefined, { rawBody: nested(32), headers: JSON_HEADERS });
      expectError(deepest, 400, 'VALIDATION_FAILED');
      expect(deepest.body.message).not.toMatch(/deeper than 32/);
    });

    it.each(['%00', 'abc%00', '%ED%A0%80', '%F0%9F%98', '1234', 'not-a-uuid'])(
      'answers 400 VALIDATION_FAILED, never 500, to the session id %s in the path',
      async (id) => {
        expectError(await session.client.delete(`/api/v1/auth/sessions/${id}`), 400, 'VALIDATION_FAILED');
      },
    );

    it.each(['before=%00', 'before=%ED%A0%80', 'limit=%00', 'limit=1%00', 'before=1&x=%00', 'x=%ED%B0%80'])(
      'answers 400 VALIDATION_FAILED, never 500, to the query string ?%s',
      async (query) => {
        expectError(await session.client.get(`/api/v1/users/me/events?${query}`), 400, 'VALIDATION_FAILED');
      },
    );
  });

  describe('errors of the HTTP layer, in the contract body without echoing the request', () => {
    const MARKER = 'EchoMe';

    function expectRawError(response: RawResponse, status: number, code: string): void {
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(response.body);
      expect(body).toEqual({ statusCode: status, error: expect.any(String), code, message: expect.any(String) });
      expect(response.body).not.toContain(MARKER);
    }

    it('answers a 100 KB header 431 REQUEST_TOO_LARGE', async () => {
      const request = `GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${MARKER.repeat(20_000)}\r\n\r\n`;
      expectRawError(await rawRequest(testApp.url, request), 431, 'REQUEST_TOO_LARGE');
    });

    it('answers a 5,000-character path parameter 414 REQUEST_TOO_LARGE', async () => {
      const response = await session.client.delete(`/api/v1/auth/sessions/${MARKER.repeat(1000)}`);
      expectError(response, 414, 'REQUEST_TOO_LARGE');
      expect(responseText(response)).not.toContain(MARKER);
    });

    it('answers a 10 KB query string 414 REQUEST_TOO_LARGE', async () => {
      const response = await session.client.get(`/api/v1/users/me?q=${MARKER.repeat(1700)}`);
      expectError(response, 414, 'REQUEST_TOO_LARGE');
      expect(responseText(response)).not.toContain(MARKER);
    });

    it('answers a 100 KB URL 414 REQUEST_TOO_LARGE', async () => {
      const request = `GET /health/live?q=${MARKER.repeat(17_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
      expectRawError(await rawRequest(testApp.url, request), 414, 'REQUEST_TOO_LARGE');
    });

    it('answers a request that is not HTTP 400 VALIDATION_FAILED', async () => {
      expectRawError(await rawRequest(testApp.url, `${MARKER} nonsense\r\n\r\n`), 400, 'VALIDATION_FAILED');
    });

    it('answers a path that is not valid percent-encoding 400 VALIDATION_FAILED', async () => {
      const response = await testApp.client().delete(`/api/v1/auth/sessions/%ED%A0%80${MARKER}`);
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(responseText(response)).not.toContain(MARKER);
    });
  });

  describe('routes', () => {
    it('answers 404 NOT_FOUND to an unknown route, without repeating its path', async () => {
      for (const path of ['/api/v1/nothing-here', '/nothing-here']) {
        const response = await testApp.client().get(path);
        expectError(response, 404, 'NOT_FOUND');
        expect(responseText(response)).not.toContain('nothing-here');
      }
    });

    it.each(['login', 'logout', 'refresh', 'register', 'logout-all'])('answers 404 or 405, never 200, to GET /api/v1/auth/%s', async (route) => {
      const response = await session.client.get(`/api/v1/auth/${route}`);
      expect([404, 405]).toContain(response.status);
      expectError(response, response.status, 'NOT_FOUND');
    });
  });

  describe("tokens signed with the service's own access key, one claim wrong", () => {
    const now = () => Math.floor(Date.now() / 1000);
    /** The session's own token, re-signed with the access key after `change` (a fresh jti: no cache knows it). */
    function resigned(change: (header: Record<string, unknown>, claims: Record<string, unknown>) => void): string {
      const { header, claims } = decodeToken(accessToken);
      const next = { ...claims, jti: randomUUID() };
      change(header, next);
      const key = createPrivateKey(readFileSync(join(testApp.config.jwt.keysDir, 'access.pem')));
      return withCanonicalSignature(signJws(header, next, key), 'ES256');
    }

    it('accepts the token re-signed unchanged (the baseline: only the changed claim can be refused)', async () => {
      expect((await getMe(`Bearer ${resigned(() => undefined)}`)).status).toBe(200);
    });

    it.each<[string, (header: Record<string, unknown>, claims: Record<string, unknown>) => void, string]>([
      ['another issuer', (_header, claims) => (claims.iss = 'someone-else'), 'TOKEN_INVALID'],
      ['another audience', (_header, claims) => (claims.aud = 'another-api'), 'TOKEN_INVALID'],
      ['no audience', (_header, claims) => delete claims.aud, 'TOKEN_INVALID'],
      ['typ JWT', (header) => (header.typ = 'JWT'), 'TOKEN_INVALID'],
      ['typ refresh+jwt', (header) => (header.typ = 'refresh+jwt'), 'TOKEN_INVALID'],
      ['no exp', (_header, claims) => delete claims.exp, 'TOKEN_INVALID'],
      ['an nbf in the future', (_header, claims) => (claims.nbf = now() + 600), 'TOKEN_INVALID'],
      ['an iat in the future', (_header, claims) => Object.assign(claims, { iat: now() + 600, exp: now() + 900 }), 'TOKEN_INVALID'],
      ['an exp in the past', (_header, claims) => Object.assign(claims, { iat: now() - 600, exp: now() - 300 }), 'TOKEN_EXPIRED'],
    ])('answers 401 to %s', async (_label, change, code) => {
      const response = await getMe(`Bearer ${resigned(change)}`);
      expectError(response, 401, code);
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    });
  });

  describe('token problems on GET /api/v1/users/me', () => {
    it('accepts the untouched access token (the baseline of this block)', async () => {
      expect((await getMe(`Bearer ${accessToken}`)).status).toBe(200);
    });

    it('answers 401 TOKEN_MISSING with WWW-Authenticate: Bearer when no token is sent', async () => {
      const response = await testApp.client().get(ME);
      expectError(response, 401, 'TOKEN_MISSING');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('answers 401 TOKEN_INVALID to a token whose payload was changed (signature kept)', async () => {
      const tampered = withPayload(accessToken, (claims) => (claims.roles = ['admin']));
      expectInvalidToken(await getMe(`Bearer ${tampered}`));
    });

    it('answers 401 TOKEN_INVALID to a token whose subject was changed (signature kept)', async () => {
      const other = await registerUser(testApp);
      const tampered = withPayload(accessToken, (claims) => (claims.sub = other.id));
      expectInvalidToken(await getMe(`Bearer ${tampered}`));
    });

    it('answers 401 TOKEN_INVALID to a token with a tampered signature', async () => {
      expectInvalidToken(await getMe(`Bearer ${withTamperedSignature(accessToken)}`));
    });

    it('answers 401 TOKEN_INVALID to an alg "none" token', async () => {
      const [header, payload] = accessToken.split('.');
      const unsigned = `${encode({ ...decode(header), alg: 'none' })}.${payload}.`;
      expectInvalidToken(await getMe(`Bearer ${unsigned}`));
    });

    it('answers 401 TOKEN_INVALID to an HS256 token signed with the JWKS public key as the secret', async () => {
      const { keys } = (await testApp.client().get('/.well-known/jwks.json')).body;
      const pem = createPublicKey({ key: keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const { header, claims } = decodeToken(accessToken);
      for (const secret of [Buffer.from(pem as string), Buffer.from(JSON.stringify(keys[0]))]) {
        const forged = signJws({ alg: 'HS256', typ: header.typ, kid: header.kid }, claims, createSecretKey(secret));
        expectInvalidToken(await getMe(`Bearer ${forged}`));
      }
    });

    it('answers 401 TOKEN_INVALID to a refresh token presented as an access token', async () => {
      expectInvalidToken(await getMe(`Bearer ${session.refreshToken}`));
    });

    it('answers 401 TOKEN_INVALID to an access token presented as refreshToken on /auth/refresh', async () => {
      expectInvalidToken(await testApp.client().post('/api/v1/auth/refresh', { refreshToken: accessToken }));
    });

    it.each(['garbage', 'a.b.c', 'eyJhbGciOiJFUzI1NiJ9.e30.'])('answers 401 TOKEN_INVALID to the garbage token %s', async (token) => {
      expectInvalidToken(await getMe(`Bearer ${token}`));
    });

    describe('signatures in any but the canonical form (one token, one string)', () => {
      const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
      const withSignature = (token: string, signature: string) => [...token.split('.').slice(0, 2), signature].join('.');
      const signatureOf = (token: string) => token.split('.')[2];
      const sOf = (signature: string) => BigInt(`0x${Buffer.from(signature, 'base64url').subarray(32).toString('hex')}`);

      it.each([
        ['with "=" padding', (signature: string) => `${signature}==`],
        ['with one "=" of padding', (signature: string) => `${signature}=`],
        [
          'with non-zero trailing bits (the same bytes)',
          (signature: string) => {
            const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(signature.at(-1)!);
            return signature.slice(0, -1) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last | 1];
          },
        ],
      ])('answers 401 TOKEN_INVALID to the signature %s', async (_label, change) => {
        const signature = signatureOf(accessToken);
        expect(Buffer.from(change(signature), 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
        expectInvalidToken(await getMe(`Bearer ${withSignature(accessToken, change(signature))}`));
        expect((await getMe(`Bearer ${accessToken}`)).status).toBe(200);
      });

      it('answers 401 TOKEN_INVALID to the signature in the standard base64 alphabet (+ and / for - and _)', async () => {
        let token = accessToken;
        for (let attempt = 0; attempt < 50 && !/[-_]/.test(signatureOf(token)); attempt++) {
          token = (await logIn(testApp, 'body', session.user)).login.body.accessToken;
        }
        const signature = signatureOf(token);
        expect(signature).toMatch(/[-_]/);
        const standard = signature.replace(/-/g, '+').replace(/_/g, '/');
        expectInvalidToken(await getMe(`Bearer ${withSignature(token, standard)}`));
        expect((await getMe(`Bearer ${token}`)).status).toBe(200);
      });

      it('signs ES256 tokens with a low s (s <= n/2) every time', async () => {
        const tokens = [accessToken];
        for (let login = 0; login < 12; login++) tokens.push((await logIn(testApp, 'body', session.user)).login.body.accessToken);
        expect(tokens.filter((token) => sOf(signatureOf(token)) > P256_ORDER / 2n)).toEqual([]);
      });

      it('answers 401 TOKEN_INVALID to the ES256 signature with s replaced by n - s (high s)', async () => {
        const signature = Buffer.from(signatureOf(accessToken), 'base64url');
        const highS = (P256_ORDER - sOf(signatureOf(accessToken))).toString(16).padStart(64, '0');
        const malleated = Buffer.concat([signature.subarray(0, 32), Buffer.from(highS, 'hex')]).toString('base64url');
        expectInvalidToken(await getMe(`Bearer ${withSignature(accessToken, malleated)}`));
        expect((await getMe(`Bearer ${accessToken}`)).status).toBe(200);
      });
    });

    it('answers 401 to Authorization: Basic', async () => {
      const response = await getMe('Basic eHl6');
      expect(response.status).toBe(401);
      expectError(response, 401, response.body.code);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('answers 401 TOKEN_INVALID to a token issued by another instance with other keys', async () => {
      // Another deployment, in a process of its own (Passport's strategies are process-wide), on its own embedded database.
      const keys = sharedKeysDir();
      const other = await ServiceProcess.start(serviceEnv('', keys.dir), await freePort());
      try {
        const foreign = await logIn(other, 'body');
        expect((await foreign.client.get(ME)).status).toBe(200);
        expectInvalidToken(await getMe(`Bearer ${foreign.login.body.accessToken}`));
      } finally {
        await other.stop();
        keys.remove();
      }
    });
  });

  describe('security headers', () => {
    it('sends HSTS, nosniff, a CSP that forbids framing and a Referrer-Policy on API responses', async () => {
      const response = await session.client.get(ME);
      expect(response.status).toBe(200);
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('referrer-policy')).toEqual(expect.any(String));
    });

    it('sends the same headers on an error response', async () => {
      const response = await testApp.client().get(ME);
      expect(response.status).toBe(401);
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });

  describe('CORS', () => {
    const preflight = (app: TestApp, origin: string) =>
      app.client().request('OPTIONS', LOGIN, {
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });

    it('allows no origin by default, on a preflight or a plain request', async () => {
      const origin = 'https://app.example.com';
      const plain = await testApp.client().get('/health/live', { headers: { origin } });
      expect(plain.headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(testApp, origin)).headers.get('access-control-allow-origin')).toBeNull();
    });

    describe('with CORS_ORIGINS', () => {
      let corsApp: TestApp;
      beforeAll(async () => {
        corsApp = await startTestApp({ CORS_ORIGINS: 'https://app.example.com' });
      });
      afterAll(() => corsApp.close());

      it('allows the configured origin with credentials', async () => {
        const response = await preflight(corsApp, 'https://app.example.com');
        expect(response.status).toBeLessThan(300);
        expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
        expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      });

      it('allows the configured origin on a plain request', async () => {
        const response = await corsApp.client().get('/health/live', { headers: { origin: 'https://app.example.com' } });
        expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
        expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      });

      it('does not allow another origin', async () => {
        const response = await preflight(corsApp, 'https://evil.example.com');
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
        const plain = await corsApp.client().get('/health/live', { headers: { origin: 'https://evil.example.com' } });
        expect(plain.headers.get('access-control-allow-origin')).toBeNull();
      });

      const preflightFor = (origin: string, method: string, path: string) =>
        corsApp.client().request('OPTIONS', path, {
          headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type,x-csrf-token' },
        });
      const corsHeaders = (response: ApiResponse) => [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
      const SESSION_PATH = '/api/v1/auth/sessions/7a6f3b1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b';

      it.each([
        ['PATCH', ME],
        ['DELETE', SESSION_PATH],
      ])('answers a preflight for %s %s from the allowed origin with the methods, headers and Max-Age of the contract', async (method, path) => {
        const response = await preflightFor('https://app.example.com', method, path);
        expect(response.status).toBe(204);
        expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
        expect(response.headers.get('access-control-allow-credentials')).toBe('true');
        expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, PATCH, DELETE');
        expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization, X-CSRF-Token, X-Token-Transport, X-Request-Id');
        expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      });

      it('exposes X-Request-Id and Retry-After to the allowed origin', async () => {
        const response = await corsApp.client().get('/health/live', { headers: { origin: 'https://app.example.com' } });
        expect(response.headers.get('access-control-expose-headers')).toBe('X-Request-Id, Retry-After');
      });

      it.each([
        ['PATCH', ME],
        ['DELETE', SESSION_PATH],
      ])('sends no CORS header at all to another origin, on a preflight for %s %s or a plain request', async (method, path) => {
        const response = await preflightFor('https://evil.example.com', method, path);
        expect(corsHeaders(response)).toEqual([]);
        expect(response.status).not.toBe(204);
        const plain = await corsApp.client().get('/health/live', { headers: { origin: 'https://evil.example.com' } });
        expect(corsHeaders(plain)).toEqual([]);
        const noOrigin = await corsApp.client().get('/health/live');
        expect(corsHeaders(noOrigin)).toEqual([]);
      });
    });
  });
});
