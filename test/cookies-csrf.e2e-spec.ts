import { randomBytes } from 'node:crypto';
import { ApiResponse, parseSetCookie } from './support/api-client';
import { startTestApp, TestApp } from './support/test-app';
import { LoggedInClient, logIn, registerUser } from './support/users';

type ParsedCookie = ReturnType<typeof parseSetCookie>;

function cookiesByName(response: ApiResponse): Record<string, ParsedCookie> {
  return Object.fromEntries(response.setCookies.map(parseSetCookie).map((cookie) => [cookie.name, cookie]));
}

function sameSite(cookie: ParsedCookie): string | undefined {
  const value = cookie.attributes.samesite;
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

function maxAge(cookie: ParsedCookie): number {
  return Number(cookie.attributes['max-age']);
}

describe('cookies and CSRF', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  describe('cookies of cookie transport (COOKIE_SECURE=true)', () => {
    it('login sets exactly three cookies', async () => {
      const { login } = await logIn(testApp, 'cookie');
      expect(login.setCookies).toHaveLength(3);
      expect(Object.keys(cookiesByName(login)).sort()).toEqual(['__Host-access_token', '__Host-csrf_token', '__Secure-refresh_token']);
    });

    it('__Host-access_token: HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age = access TTL; no Domain', async () => {
      const { login } = await logIn(testApp, 'cookie');
      const cookie = cookiesByName(login)['__Host-access_token'];
      expect(cookie.attributes).toEqual(expect.objectContaining({ httponly: true, secure: true, path: '/' }));
      expect(sameSite(cookie)).toBe('strict');
      expect(cookie.attributes.domain).toBeUndefined();
      expect(Math.abs(maxAge(cookie) - testApp.config.accessTokenTtlSeconds)).toBeLessThanOrEqual(2);
    });

    it('__Secure-refresh_token: HttpOnly; Secure; SameSite=Strict; Path=/api/v1/auth; Max-Age = refresh TTL', async () => {
      const { login } = await logIn(testApp, 'cookie');
      const cookie = cookiesByName(login)['__Secure-refresh_token'];
      expect(cookie.attributes).toEqual(expect.objectContaining({ httponly: true, secure: true, path: '/api/v1/auth' }));
      expect(sameSite(cookie)).toBe('strict');
      expect(Math.abs(maxAge(cookie) - testApp.config.refreshTokenTtlSeconds)).toBeLessThanOrEqual(2);
    });

    it('__Host-csrf_token: Secure; SameSite=Strict; Path=/; readable by the page (not HttpOnly); holds the body csrfToken', async () => {
      const { login } = await logIn(testApp, 'cookie');
      const cookie = cookiesByName(login)['__Host-csrf_token'];
      expect(cookie.attributes).toEqual(expect.objectContaining({ secure: true, path: '/' }));
      expect(cookie.attributes.httponly).toBeUndefined();
      expect(sameSite(cookie)).toBe('strict');
      expect(cookie.attributes.domain).toBeUndefined();
      expect(decodeURIComponent(cookie.value)).toBe(login.body.csrfToken);
    });

    it('refresh sets the three cookies again, with a new access and refresh token', async () => {
      const { client, login } = await logIn(testApp, 'cookie');
      const before = cookiesByName(login);
      const response = await client.post('/api/v1/auth/refresh');
      expect(response.status).toBe(200);
      const after = cookiesByName(response);
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      for (const [name, cookie] of Object.entries(after)) {
        expect({ name, ...cookie.attributes, 'max-age': undefined }).toEqual({ name, ...before[name].attributes, 'max-age': undefined });
      }
      expect(after['__Host-access_token'].value).not.toBe(before['__Host-access_token'].value);
      expect(after['__Secure-refresh_token'].value).not.toBe(before['__Secure-refresh_token'].value);
      expect(Math.abs(maxAge(after['__Host-access_token']) - testApp.config.accessTokenTtlSeconds)).toBeLessThanOrEqual(2);
      expect(decodeURIComponent(after['__Host-csrf_token'].value)).toBe(response.body.csrfToken);
    });
  });

  describe('CSRF', () => {
    /** Session `a` acts; `b` is another session of the same user; `stranger` a session of another user. */
    interface Fixture {
      a: LoggedInClient;
      b: LoggedInClient;
      stranger: LoggedInClient;
      /** a's access token at login time. */
      aAccess: string;
    }

    async function fixture(): Promise<Fixture> {
      const user = await registerUser(testApp);
      const a = await logIn(testApp, 'cookie', user);
      const b = await logIn(testApp, 'cookie', user);
      const stranger = await logIn(testApp, 'cookie');
      return { a, b, stranger, aAccess: a.client.cookie('__Host-access_token')! };
    }

    async function aAccessTokenWorks(f: Fixture): Promise<boolean> {
      const client = testApp.client();
      client.setCookie('__Host-access_token', f.aAccess);
      return (await client.get('/api/v1/users/me')).status === 200;
    }

    const unsafeRequests: Array<{
      route: string;
      send: (f: Fixture) => Promise<ApiResponse>;
      success: number;
      /** Whether the request's action took place. */
      performed: (f: Fixture) => Promise<boolean>;
    }> = [
      {
        route: 'PATCH /api/v1/users/me',
        send: (f) => f.a.client.patch('/api/v1/users/me', { name: 'Mallory' }),
        success: 200,
        performed: async (f) => (await f.b.client.get('/api/v1/users/me')).body.name === 'Mallory',
      },
      {
        route: 'POST /api/v1/auth/logout-all',
        send: (f) => f.a.client.post('/api/v1/auth/logout-all'),
        success: 204,
        performed: async (f) => (await f.b.client.get('/api/v1/users/me')).status === 401,
      },
      {
        route: 'DELETE /api/v1/auth/sessions/:id',
        send: (f) => f.a.client.delete(`/api/v1/auth/sessions/${f.b.sessionId}`),
        success: 204,
        performed: async (f) => (await f.b.client.get('/api/v1/users/me')).status === 401,
      },
      {
        route: 'POST /api/v1/auth/refresh',
        send: (f) => f.a.client.post('/api/v1/auth/refresh'),
        success: 200,
        performed: async (f) => !(await aAccessTokenWorks(f)),
      },
      {
        route: 'POST /api/v1/auth/logout',
        send: (f) => f.a.client.post('/api/v1/auth/logout'),
        success: 204,
        performed: async (f) => !(await aAccessTokenWorks(f)),
      },
    ];

    const wrongTokens: Array<[string, (f: Fixture) => string | undefined]> = [
      ['no X-CSRF-Token', () => undefined],
      ['a made-up X-CSRF-Token', () => randomBytes(32).toString('base64url')],
      ['the CSRF token of another session of the same user', (f) => f.b.login.body.csrfToken],
      ["the CSRF token of another user's session", (f) => f.stranger.login.body.csrfToken],
    ];

    describe.each(unsafeRequests)('$route authenticated by cookie', ({ send, success, performed }) => {
      it.each(wrongTokens)('with %s: 403 CSRF_TOKEN_INVALID and nothing done', async (_label, token) => {
        const f = await fixture();
        f.a.client.csrfToken = token(f);
        const response = await send(f);
        expect(response.status).toBe(403);
        expect(response.body.code).toBe('CSRF_TOKEN_INVALID');
        expect(await performed(f)).toBe(false);
      });

      it(`with the session's X-CSRF-Token: ${success}`, async () => {
        const f = await fixture();
        const response = await send(f);
        expect(response.status).toBe(success);
        expect(await performed(f)).toBe(true);
      });
    });

    it('a refused request sets no cookie', async () => {
      const f = await fixture();
      f.a.client.csrfToken = undefined;
      const response = await f.a.client.post('/api/v1/auth/refresh');
      expect(response.status).toBe(403);
      expect(response.setCookies).toEqual([]);
    });

    it.each(['/api/v1/users/me', '/api/v1/auth/sessions'])('a safe method needs no CSRF token (GET %s)', async (path) => {
      const { client } = await logIn(testApp, 'cookie');
      client.csrfToken = undefined;
      expect((await client.get(path)).status).toBe(200);
    });

    it('a Bearer-authenticated unsafe request needs no CSRF token', async () => {
      const { client } = await logIn(testApp, 'body');
      const response = await client.patch('/api/v1/users/me', { name: 'Bearer' });
      expect(response.status).toBe(200);
      expect(response.body.name).toBe('Bearer');
    });

    it('a Bearer-authenticated logout-all needs no CSRF token', async () => {
      const { client } = await logIn(testApp, 'body');
      expect((await client.post('/api/v1/auth/logout-all')).status).toBe(204);
    });

    it('a body-transport refresh needs no CSRF token', async () => {
      const { refreshToken } = await logIn(testApp, 'body');
      const response = await testApp.client().post('/api/v1/auth/refresh', { refreshToken });
      expect(response.status).toBe(200);
      expect(response.body.accessToken).toEqual(expect.any(String));
    });

    it('a body-transport logout by refresh token needs no CSRF token', async () => {
      const session = await logIn(testApp, 'body');
      expect((await testApp.client().post('/api/v1/auth/logout', { refreshToken: session.refreshToken })).status).toBe(204);
      expect((await session.client.get('/api/v1/users/me')).status).toBe(401);
    });

    describe('across a refresh', () => {
      it('the csrfToken of the refresh response is accepted', async () => {
        const { client } = await logIn(testApp, 'cookie');
        const refreshed = await client.post('/api/v1/auth/refresh');
        expect(refreshed.status).toBe(200);
        client.csrfToken = refreshed.body.csrfToken;
        expect((await client.patch('/api/v1/users/me', { name: 'After refresh' })).status).toBe(200);
      });

      it('the CSRF cookie set by the refresh is accepted', async () => {
        const { client } = await logIn(testApp, 'cookie');
        expect((await client.post('/api/v1/auth/refresh')).status).toBe(200);
        client.csrfToken = client.cookie('__Host-csrf_token');
        expect((await client.patch('/api/v1/users/me', { name: 'From cookie' })).status).toBe(200);
      });

      it('the refreshed session still refuses a missing CSRF token', async () => {
        const { client } = await logIn(testApp, 'cookie');
        expect((await client.post('/api/v1/auth/refresh')).status).toBe(200);
        client.csrfToken = undefined;
        const response = await client.patch('/api/v1/users/me', { name: 'No token' });
        expect(response.status).toBe(403);
        expect(response.body.code).toBe('CSRF_TOKEN_INVALID');
      });
    });
  });
});

/**
 * Its own top-level suite, so that the two apps never run side by side: Nest's
 * passport strategies live in passport's process-wide registry, and the app
 * built last would serve the other app's requests too.
 */
describe('cookies with COOKIE_SECURE=false', () => {
  let plainApp: TestApp;
  beforeAll(async () => {
    plainApp = await startTestApp({ COOKIE_SECURE: 'false' });
  });
  afterAll(() => plainApp.close());

  it('drops the __Host-/__Secure- prefixes', async () => {
    const { login } = await logIn(plainApp, 'cookie');
    expect(Object.keys(cookiesByName(login)).sort()).toEqual(['access_token', 'csrf_token', 'refresh_token']);
  });

  it('drops the Secure flag but keeps HttpOnly, SameSite=Strict and the paths', async () => {
    const { login } = await logIn(plainApp, 'cookie');
    const cookies = cookiesByName(login);
    for (const cookie of Object.values(cookies)) {
      expect(cookie.attributes.secure).toBeUndefined();
      expect(sameSite(cookie)).toBe('strict');
    }
    expect(cookies.access_token.attributes).toEqual(expect.objectContaining({ httponly: true, path: '/' }));
    expect(cookies.refresh_token.attributes).toEqual(expect.objectContaining({ httponly: true, path: '/api/v1/auth' }));
    expect(cookies.csrf_token.attributes).toEqual(expect.objectContaining({ path: '/' }));
    expect(cookies.csrf_token.attributes.httponly).toBeUndefined();
  });

  it('authenticates by the unprefixed cookies and checks CSRF on them', async () => {
    const { client } = await logIn(plainApp, 'cookie');
    expect((await client.get('/api/v1/users/me')).status).toBe(200);
    expect((await client.patch('/api/v1/users/me', { name: 'Plain' })).status).toBe(200);
    client.csrfToken = undefined;
    const refused = await client.patch('/api/v1/users/me', { name: 'Plain' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CSRF_TOKEN_INVALID');
  });
});
