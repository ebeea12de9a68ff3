import { ApiResponse } from './support/api-client';
import { appWith, TestApp } from './support/test-app';
import { logIn } from './support/users';

const REFRESH = '/api/v1/auth/refresh';
const ME = '/api/v1/users/me';

function refresh(testApp: TestApp, refreshToken: string): Promise<ApiResponse> {
  return testApp.client().post(REFRESH, { refreshToken });
}

function profile(testApp: TestApp, accessToken: string): Promise<ApiResponse> {
  const client = testApp.client();
  client.bearer = accessToken;
  return client.get(ME);
}

/** Logs in with body transport and returns the first pair. */
async function bodySession(testApp: TestApp): Promise<{ sessionId: string; accessToken: string; refreshToken: string }> {
  const { login } = await logIn(testApp, 'body');
  return { sessionId: login.body.session.id, accessToken: login.body.accessToken, refreshToken: login.body.refreshToken };
}

function expectTokenError(response: ApiResponse, code: string): void {
  expect({ status: response.status, code: response.body.code }).toEqual({ status: 401, code });
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

describe('refresh token rotation', () => {
  describe('with the default grace window', () => {
    const testApp = appWith();

    it('gives a new access token and a new refresh token on each refresh', async () => {
      const first = await bodySession(testApp());
      const rotated = await refresh(testApp(), first.refreshToken);
      expect(rotated.status).toBe(200);
      expect(rotated.body.session.id).toBe(first.sessionId);
      expect(rotated.body.accessToken).not.toBe(first.accessToken);
      expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
      expect((await profile(testApp(), rotated.body.accessToken)).status).toBe(200);
    });

    it('answers 401 SESSION_REVOKED to the previous access token once the pair is rotated', async () => {
      const first = await bodySession(testApp());
      expect((await refresh(testApp(), first.refreshToken)).status).toBe(200);
      expectTokenError(await profile(testApp(), first.accessToken), 'SESSION_REVOKED');
    });

    it('keeps rotating along the chain: each newest refresh token refreshes again', async () => {
      let { refreshToken } = await bodySession(testApp());
      for (let round = 0; round < 3; round++) {
        const rotated = await refresh(testApp(), refreshToken);
        expect(rotated.status).toBe(200);
        refreshToken = rotated.body.refreshToken;
      }
    });

    it('hands every one of 10 parallel refreshes with one refresh token a working pair of the same session', async () => {
      const first = await bodySession(testApp());
      const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(testApp(), first.refreshToken)));
      expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
      expect(new Set(responses.map((response) => response.body.session.id))).toEqual(new Set([first.sessionId]));
      const profiles = await Promise.all(responses.map((response) => profile(testApp(), response.body.accessToken)));
      expect(profiles.map((response) => response.status)).toEqual(Array(10).fill(200));
    });

    it('keeps the session alive after parallel refreshes: a returned refresh token refreshes again', async () => {
      const first = await bodySession(testApp());
      const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(testApp(), first.refreshToken)));
      const next = await refresh(testApp(), responses[responses.length - 1].body.refreshToken);
      expect(next.status).toBe(200);
      expect(next.body.session.id).toBe(first.sessionId);
      expect((await profile(testApp(), next.body.accessToken)).status).toBe(200);
    });

    it('answers 200 to 5 parallel cookie refreshes with the same cookie and CSRF token, and the session works on', async () => {
      const { client, sessionId, login } = await logIn(testApp(), 'cookie');
      const responses = await Promise.all(Array.from({ length: 5 }, () => client.post(REFRESH)));
      expect(responses.map((response) => response.status)).toEqual(Array(5).fill(200));
      expect(new Set(responses.map((response) => response.body.session.id))).toEqual(new Set([sessionId]));
      expect(new Set(responses.map((response) => response.body.csrfToken))).toEqual(new Set([login.body.csrfToken]));
      expect((await client.get(ME)).status).toBe(200);
      expect((await client.post(REFRESH)).status).toBe(200);
    });

    it('treats a replay of a refresh token two rotations old as theft even inside the grace window', async () => {
      const first = await bodySession(testApp());
      const second = await refresh(testApp(), first.refreshToken);
      const third = await refresh(testApp(), second.body.refreshToken);
      expect(third.status).toBe(200);
      expectTokenError(await refresh(testApp(), first.refreshToken), 'REFRESH_TOKEN_REUSED');
      expectTokenError(await profile(testApp(), third.body.accessToken), 'SESSION_REVOKED');
      expectTokenError(await refresh(testApp(), third.body.refreshToken), 'SESSION_REVOKED');
    });

    it('answers 401 TOKEN_INVALID to an access token sent as the refresh token', async () => {
      const { accessToken } = await bodySession(testApp());
      expectTokenError(await refresh(testApp(), accessToken), 'TOKEN_INVALID');
    });

    it('answers 401 TOKEN_MISSING to a refresh without any token', async () => {
      const response = await testApp().client().post(REFRESH);
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 401, code: 'TOKEN_MISSING' });
    });

    it('answers 401 TOKEN_INVALID to a refresh token that is not a JWT', async () => {
      expectTokenError(await refresh(testApp(), 'not-a-jwt'), 'TOKEN_INVALID');
    });
  });

  describe('after the grace window (REFRESH_REUSE_GRACE=1s)', () => {
    const testApp = appWith({ REFRESH_REUSE_GRACE: '1s' });
    // Lifetimes of seconds: only the test moves time, never a slow machine.
    beforeAll(() => testApp().clock.freeze());

    /** One rotation, then a wait past the grace window. */
    async function rotatedPastGrace() {
      const first = await bodySession(testApp());
      const second = await refresh(testApp(), first.refreshToken);
      expect(second.status).toBe(200);
      testApp().clock.advance(1500);
      return { first, second: second.body as { accessToken: string; refreshToken: string } };
    }

    it('answers 401 REFRESH_TOKEN_REUSED to the previous refresh token', async () => {
      const { first } = await rotatedPastGrace();
      expectTokenError(await refresh(testApp(), first.refreshToken), 'REFRESH_TOKEN_REUSED');
    });

    it('ends the session on reuse: the newest access and refresh tokens answer 401 SESSION_REVOKED', async () => {
      const { first, second } = await rotatedPastGrace();
      expect((await refresh(testApp(), first.refreshToken)).status).toBe(401);
      expectTokenError(await profile(testApp(), second.accessToken), 'SESSION_REVOKED');
      expectTokenError(await refresh(testApp(), second.refreshToken), 'SESSION_REVOKED');
    });
  });

  describe('with no grace window (REFRESH_REUSE_GRACE=0)', () => {
    const testApp = appWith({ REFRESH_REUSE_GRACE: '0' });

    it('answers 401 REFRESH_TOKEN_REUSED to an immediate replay of a rotated refresh token', async () => {
      const first = await bodySession(testApp());
      expect((await refresh(testApp(), first.refreshToken)).status).toBe(200);
      expectTokenError(await refresh(testApp(), first.refreshToken), 'REFRESH_TOKEN_REUSED');
    });
  });

  describe('access token expiry (ACCESS_TOKEN_TTL=2s)', () => {
    const testApp = appWith({ ACCESS_TOKEN_TTL: '2s', JWT_CLOCK_TOLERANCE: '0' });
    // Lifetimes of seconds: only the test moves time, never a slow machine.
    beforeAll(() => testApp().clock.freeze());

    it('answers 401 TOKEN_EXPIRED once the access token is past exp, and a refresh gives a working pair', async () => {
      const first = await bodySession(testApp());
      testApp().clock.advance(3000);
      expectTokenError(await profile(testApp(), first.accessToken), 'TOKEN_EXPIRED');
      const rotated = await refresh(testApp(), first.refreshToken);
      expect(rotated.status).toBe(200);
      expect((await profile(testApp(), rotated.body.accessToken)).status).toBe(200);
    });
  });

  describe('idle expiry (REFRESH_TOKEN_TTL=3s)', () => {
    const testApp = appWith({ REFRESH_TOKEN_TTL: '3s', ACCESS_TOKEN_TTL: '1s', JWT_CLOCK_TOLERANCE: '0' });
    // Lifetimes of seconds: only the test moves time, never a slow machine.
    beforeAll(() => testApp().clock.freeze());

    it('extends the refresh token expiry on each refresh', async () => {
      const { login } = await logIn(testApp(), 'body');
      testApp().clock.advance(1100);
      const rotated = await refresh(testApp(), login.body.refreshToken);
      expect(rotated.status).toBe(200);
      expect(Date.parse(rotated.body.session.refreshTokenExpiresAt)).toBeGreaterThan(Date.parse(login.body.session.refreshTokenExpiresAt));
    });

    it('answers 401 TOKEN_EXPIRED to a refresh token left unused past the idle lifetime', async () => {
      const first = await bodySession(testApp());
      testApp().clock.advance(4000);
      expectTokenError(await refresh(testApp(), first.refreshToken), 'TOKEN_EXPIRED');
    });
  });

  describe('absolute lifetime (SESSION_MAX_LIFETIME=3s)', () => {
    const testApp = appWith({ SESSION_MAX_LIFETIME: '3s', ACCESS_TOKEN_TTL: '1s', REFRESH_TOKEN_TTL: '30d', JWT_CLOCK_TOLERANCE: '0' });
    // Lifetimes of seconds: only the test moves time, never a slow machine.
    beforeAll(() => testApp().clock.freeze());

    it('never lets a refreshed refresh token outlive login time + SESSION_MAX_LIFETIME', async () => {
      const { login } = await logIn(testApp(), 'body');
      const cap = testApp().clock.now() + 3000;
      const rotated = await refresh(testApp(), login.body.refreshToken);
      testApp().clock.advance(1100);
      const rotatedAgain = await refresh(testApp(), rotated.body.refreshToken);
      for (const response of [rotated, rotatedAgain]) {
        expect(response.status).toBe(200);
        expect(Date.parse(response.body.session.refreshTokenExpiresAt)).toBeLessThanOrEqual(cap);
      }
    });

    it('refuses a refresh once the absolute lifetime is over, however recently the session was refreshed', async () => {
      const first = await bodySession(testApp());
      testApp().clock.advance(2000);
      const rotated = await refresh(testApp(), first.refreshToken);
      expect(rotated.status).toBe(200);
      testApp().clock.advance(1500);
      expectTokenError(await refresh(testApp(), rotated.body.refreshToken), 'TOKEN_EXPIRED');
    });
  });
});
