import { ApiClient, ApiResponse, parseSetCookie } from './support/api-client';
import { startTestApp, TestApp } from './support/test-app';
import { LoggedInClient, logIn, registerUser, TEST_PASSWORD, Transport } from './support/users';

const ACCESS_COOKIE = '__Host-access_token';
const REFRESH_COOKIE = '__Secure-refresh_token';
const CSRF_COOKIE = '__Host-csrf_token';

function decodeJwt(token: string): { header: Record<string, any>; claims: Record<string, any> } {
  const [header, claims] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, claims };
}

describe('auth flows', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  /** The session's current access token, whichever transport carries it. */
  function accessTokenOf(session: LoggedInClient): string {
    return session.client.bearer ?? session.client.cookie(ACCESS_COOKIE)!;
  }

  /** A new client that presents only `token`, the way `transport` carries it. */
  function clientWithAccessToken(transport: Transport, token: string): ApiClient {
    const client = testApp.client();
    if (transport === 'body') client.bearer = token;
    else client.setCookie(ACCESS_COOKIE, token);
    return client;
  }

  /** A new client that presents only this refresh token (cookie transport: with the session's CSRF token). */
  function refreshWith(transport: Transport, refreshToken: string, csrfToken?: string): Promise<ApiResponse> {
    const client = testApp.client();
    if (transport === 'body') return client.post('/api/v1/auth/refresh', { refreshToken });
    client.setCookie(REFRESH_COOKIE, refreshToken, '/api/v1/auth');
    client.csrfToken = csrfToken;
    return client.post('/api/v1/auth/refresh');
  }

  /** A second client holding the same credentials as the session's client right now (a stale tab or a retry). */
  function replayOf(session: LoggedInClient): ApiClient {
    const client = testApp.client();
    client.bearer = session.client.bearer;
    client.csrfToken = session.client.csrfToken;
    for (const [name, path] of [
      [ACCESS_COOKIE, '/'],
      [REFRESH_COOKIE, '/api/v1/auth'],
      [CSRF_COOKIE, '/'],
    ]) {
      const value = session.client.cookie(name);
      if (value) client.setCookie(name, value, path);
    }
    return client;
  }

  function refreshTokenOf(session: LoggedInClient): string {
    return session.refreshToken ?? session.client.cookie(REFRESH_COOKIE)!;
  }

  /** Rotates the session's pair through its own client, keeping the client's credentials current. */
  async function refresh(session: LoggedInClient): Promise<ApiResponse> {
    const response = session.refreshToken
      ? await session.client.post('/api/v1/auth/refresh', { refreshToken: session.refreshToken })
      : await session.client.post('/api/v1/auth/refresh');
    if (response.status === 200 && session.refreshToken) {
      session.client.bearer = response.body.accessToken;
      session.refreshToken = response.body.refreshToken;
    }
    return response;
  }

  describe('register', () => {
    it('answers 201 with exactly the public user fields', async () => {
      const email = `ann-${Date.now()}@example.com`;
      const response = await testApp.client().post('/api/v1/auth/register', { email, password: TEST_PASSWORD, name: 'Ann' });
      expect(response.status).toBe(201);
      expect(Object.keys(response.body).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'hasPassword', 'id', 'mfaEnabled', 'name', 'pendingEmail', 'roles']);
      expect(response.body).toEqual({
        id: expect.any(String),
        email,
        emailVerified: false,
        pendingEmail: null,
        name: 'Ann',
        roles: ['user'],
        mfaEnabled: false,
        hasPassword: true,
        createdAt: expect.any(String),
      });
      expect(new Date(response.body.createdAt).toISOString()).toBe(response.body.createdAt);
    });

    it.each(['cookie', 'body'])('starts no session (X-Token-Transport: %s): no cookie, no token', async (transport) => {
      const response = await testApp
        .client()
        .post(
          '/api/v1/auth/register',
          { email: `reg-${transport}-${Date.now()}@example.com`, password: TEST_PASSWORD },
          { headers: { 'x-token-transport': transport } },
        );
      expect(response.status).toBe(201);
      expect(response.setCookies).toEqual([]);
      expect(JSON.stringify(response.body)).not.toMatch(/token|"password|hash/i);
    });
  });

  describe('login', () => {
    it('cookie transport answers the session with a CSRF token and no token in the body', async () => {
      const { client, login, user } = await logIn(testApp, 'cookie');
      expect(login.status).toBe(200);
      expect(Object.keys(login.body).sort()).toEqual(['csrfToken', 'session', 'user']);
      expect(Object.keys(login.body.session).sort()).toEqual(['accessTokenExpiresAt', 'id', 'refreshTokenExpiresAt']);
      expect(login.body.user).toEqual(expect.objectContaining({ id: user.id, email: user.email }));
      expect(login.body.csrfToken).toEqual(expect.any(String));
      const text = JSON.stringify(login.body);
      expect(text).not.toContain(client.cookie(ACCESS_COOKIE)!);
      expect(text).not.toContain(client.cookie(REFRESH_COOKIE)!);
    });

    it('body transport adds a Bearer pair and expiresIn, leaves out csrfToken and sets no cookie', async () => {
      const { login, user } = await logIn(testApp, 'body');
      expect(login.status).toBe(200);
      expect(Object.keys(login.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'session', 'tokenType', 'user']);
      expect(login.body).toEqual(expect.objectContaining({ tokenType: 'Bearer', accessToken: expect.any(String), refreshToken: expect.any(String) }));
      expect(login.body.user).toEqual(expect.objectContaining({ id: user.id, email: user.email }));
      expect(login.body.expiresIn).toBeGreaterThanOrEqual(testApp.config.accessTokenTtlSeconds - 2);
      expect(login.body.expiresIn).toBeLessThanOrEqual(testApp.config.accessTokenTtlSeconds);
      expect(login.setCookies).toEqual([]);
    });

    it.each(['body', 'cookie'] as const)('answers Cache-Control: no-store in %s transport', async (transport) => {
      const { login } = await logIn(testApp, transport);
      expect(login.headers.get('cache-control')).toBe('no-store');
    });

    it('answers 400 VALIDATION_FAILED for an unknown X-Token-Transport', async () => {
      const user = await registerUser(testApp);
      const response = await testApp
        .client()
        .post('/api/v1/auth/login', { email: user.email, password: user.password }, { headers: { 'x-token-transport': 'query' } });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.setCookies).toEqual([]);
    });
  });

  describe('token claims', () => {
    it('signs the access token as at+jwt with ES256 and a kid, with every claim of the contract', async () => {
      const { login, user } = await logIn(testApp, 'body');
      const { header, claims } = decodeJwt(login.body.accessToken);
      expect(header).toEqual(expect.objectContaining({ typ: 'at+jwt', alg: 'ES256', kid: expect.any(String) }));
      expect(claims).toEqual(
        expect.objectContaining({
          iss: testApp.config.jwt.issuer,
          aud: testApp.config.jwt.audience,
          sub: user.id,
          sid: login.body.session.id,
          prm: expect.any(String),
          roles: ['user'],
          iat: expect.any(Number),
          exp: expect.any(Number),
          jti: expect.any(String),
        }),
      );
      expect(claims.exp - claims.iat).toBe(testApp.config.accessTokenTtlSeconds);
      expect(new Date(login.body.session.accessTokenExpiresAt).getTime()).toBe(claims.exp * 1000);
    });

    it('signs the refresh token as refresh+jwt with another kid, for the same session', async () => {
      const { login } = await logIn(testApp, 'body');
      const access = decodeJwt(login.body.accessToken);
      const refreshToken = decodeJwt(login.body.refreshToken);
      expect(refreshToken.header).toEqual(expect.objectContaining({ typ: 'refresh+jwt', kid: expect.any(String) }));
      expect(refreshToken.header.kid).not.toBe(access.header.kid);
      expect(refreshToken.claims.sid).toBe(login.body.session.id);
      expect(refreshToken.claims.prm).not.toBe(access.claims.prm);
      expect(new Date(login.body.session.refreshTokenExpiresAt).getTime()).toBe(refreshToken.claims.exp * 1000);
    });

    it('gives every login its own session id', async () => {
      const user = await registerUser(testApp);
      const first = await logIn(testApp, 'body', user);
      const second = await logIn(testApp, 'body', user);
      expect(decodeJwt(first.login.body.accessToken).claims.sid).not.toBe(decodeJwt(second.login.body.accessToken).claims.sid);
    });
  });

  describe.each(['body', 'cookie'] as const)('%s transport', (transport) => {
    describe('refresh', () => {
      it('answers 200 with a new pair for the same session, and no-store', async () => {
        const session = await logIn(testApp, transport);
        const oldAccess = accessTokenOf(session);
        const oldRefresh = refreshTokenOf(session);
        const response = await refresh(session);
        expect(response.status).toBe(200);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.body.session.id).toBe(session.sessionId);
        expect(accessTokenOf(session)).not.toBe(oldAccess);
        expect(refreshTokenOf(session)).not.toBe(oldRefresh);
      });

      it('the new access token works', async () => {
        const session = await logIn(testApp, transport);
        await refresh(session);
        const me = await session.client.get('/api/v1/users/me');
        expect(me.status).toBe(200);
        expect(me.body.id).toBe(session.user.id);
      });

      it('the old access token then answers 401 SESSION_REVOKED', async () => {
        const session = await logIn(testApp, transport);
        const oldAccess = accessTokenOf(session);
        expect((await refresh(session)).status).toBe(200);
        const me = await clientWithAccessToken(transport, oldAccess).get('/api/v1/users/me');
        expect(me.status).toBe(401);
        expect(me.body.code).toBe('SESSION_REVOKED');
      });
    });

    describe('logout', () => {
      it('answers 204; the access token then answers 401 SESSION_REVOKED', async () => {
        const session = await logIn(testApp, transport);
        const access = accessTokenOf(session);
        const response = await session.client.post('/api/v1/auth/logout');
        expect(response.status).toBe(204);
        const me = await clientWithAccessToken(transport, access).get('/api/v1/users/me');
        expect(me.status).toBe(401);
        expect(me.body.code).toBe('SESSION_REVOKED');
      });

      it('the refresh token of the ended session can no longer refresh', async () => {
        const session = await logIn(testApp, transport);
        const refreshToken = refreshTokenOf(session);
        expect((await session.client.post('/api/v1/auth/logout')).status).toBe(204);
        const response = await refreshWith(transport, refreshToken, session.login.body.csrfToken);
        expect(response.status).toBe(401);
        expect(response.body.code).toBe('SESSION_REVOKED');
      });

      it('is idempotent: the same credentials log out again with 204', async () => {
        const session = await logIn(testApp, transport);
        const stale = replayOf(session);
        expect((await session.client.post('/api/v1/auth/logout')).status).toBe(204);
        expect((await stale.post('/api/v1/auth/logout')).status).toBe(204);
      });
    });

    describe('logout-all', () => {
      it('answers 204 and ends every session of the user, not those of another user', async () => {
        const user = await registerUser(testApp);
        const first = await logIn(testApp, transport, user);
        const second = await logIn(testApp, transport, user);
        const other = await logIn(testApp, transport);
        const firstAccess = accessTokenOf(first);

        expect((await first.client.post('/api/v1/auth/logout-all')).status).toBe(204);

        for (const client of [clientWithAccessToken(transport, firstAccess), second.client]) {
          const me = await client.get('/api/v1/users/me');
          expect(me.status).toBe(401);
          expect(me.body.code).toBe('SESSION_REVOKED');
        }
        expect((await other.client.get('/api/v1/users/me')).status).toBe(200);
      });

      it('the refresh tokens of the ended sessions can no longer refresh', async () => {
        const user = await registerUser(testApp);
        const first = await logIn(testApp, transport, user);
        const second = await logIn(testApp, transport, user);
        expect((await first.client.post('/api/v1/auth/logout-all')).status).toBe(204);
        const response = await refreshWith(transport, refreshTokenOf(second), second.login.body.csrfToken);
        expect(response.status).toBe(401);
        expect(response.body.code).toBe('SESSION_REVOKED');
      });
    });
  });

  describe('logout details', () => {
    it('body transport: the refresh token alone, without Authorization, ends the session', async () => {
      const session = await logIn(testApp, 'body');
      const response = await testApp.client().post('/api/v1/auth/logout', { refreshToken: session.refreshToken });
      expect(response.status).toBe(204);
      const me = await session.client.get('/api/v1/users/me');
      expect(me.status).toBe(401);
      expect(me.body.code).toBe('SESSION_REVOKED');
    });

    it('answers 204 with no token at all, and still clears the cookies', async () => {
      const response = await testApp.client().post('/api/v1/auth/logout');
      expect(response.status).toBe(204);
      const cleared = response.setCookies.map(parseSetCookie).filter((cookie) => cookie.attributes['max-age'] === '0');
      expect(cleared.map((cookie) => cookie.name).sort()).toEqual([ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE].sort());
    });

    it('cookie transport clears all three cookies with Max-Age=0 on the Path they were set with', async () => {
      const { client, login } = await logIn(testApp, 'cookie');
      const setPaths = Object.fromEntries(login.setCookies.map(parseSetCookie).map((cookie) => [cookie.name, cookie.attributes.path]));
      const response = await client.post('/api/v1/auth/logout');
      expect(response.status).toBe(204);
      const cleared = response.setCookies.map(parseSetCookie);
      expect(cleared.map((cookie) => cookie.name).sort()).toEqual([ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE].sort());
      for (const cookie of cleared) {
        expect(cookie.attributes['max-age']).toBe('0');
        expect(cookie.attributes.path).toBe(setPaths[cookie.name]);
      }
      expect(client.cookieNames()).toEqual([]);
    });
  });

  describe('where the access token is read', () => {
    it('the Authorization header wins over the cookie', async () => {
      const a = await logIn(testApp, 'cookie');
      const b = await logIn(testApp, 'body');
      a.client.bearer = b.client.bearer;
      const me = await a.client.get('/api/v1/users/me');
      expect(me.status).toBe(200);
      expect(me.body.id).toBe(b.user.id);
    });

    it('never reads a token from the query string: 401 TOKEN_MISSING', async () => {
      const { login } = await logIn(testApp, 'body');
      const me = await testApp.client().get(`/api/v1/users/me?access_token=${encodeURIComponent(login.body.accessToken)}`);
      expect(me.status).toBe(401);
      expect(me.body.code).toBe('TOKEN_MISSING');
    });
  });
});
