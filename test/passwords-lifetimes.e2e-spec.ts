import { randomUUID } from 'node:crypto';
import { SessionCleanup } from '../src/sessions/session-cleanup.service';
import { ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { appWith } from './support/test-app';
import { LoggedInClient, logIn, registerUser, TEST_PASSWORD } from './support/users';

const REGISTER = '/api/v1/auth/register';
const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const ME = '/api/v1/users/me';
const DAY_MS = 24 * 60 * 60 * 1000;

const uniqueEmail = () => `user-${randomUUID()}@example.com`;

function expectCommonPasswordRefusal(response: ApiResponse, field: string): void {
  expectError(response, 400, 'VALIDATION_FAILED');
  const detail = response.body.details.find((item: { field: string }) => item.field === field);
  expect(detail?.messages.join(' ')).toMatch(/common/i);
}

/** The claims of a JWT, read without verifying it. */
function claims(token: string): { exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

describe('passwords', () => {
  const testApp = appWith();
  const register = (email: string, password: string) => testApp().client().post(REGISTER, { email, password });
  const login = (email: string, password: string) => testApp().client().post(LOGIN, { email, password });

  describe('the common-password list', () => {
    it.each(['password123', 'qwertyuiop', 'Password1', 'QWERTYUIOP'])(
      'refuses to register with %s: 400 VALIDATION_FAILED on password, saying it is common',
      async (password) => {
        expectCommonPasswordRefusal(await register(uniqueEmail(), password), 'password');
      },
    );

    it.each(['password123', 'qwertyuiop', 'Password1'])(
      'refuses %s as newPassword of POST /users/me/password, and the old password still logs in',
      async (newPassword) => {
        const { client, user } = await logIn(testApp(), 'body');
        const response = await client.post(`${ME}/password`, { currentPassword: user.password, newPassword });
        expectCommonPasswordRefusal(response, 'newPassword');
        expect((await login(user.email, user.password)).status).toBe(200);
      },
    );

    it('accepts a long passphrase of 200 characters, which then logs in', async () => {
      const email = uniqueEmail();
      const passphrase = 'the quick brown fox jumps over the lazy dog while '.repeat(4);
      expect(passphrase).toHaveLength(200);
      expect((await register(email, passphrase)).status).toBe(201);
      expect((await login(email, passphrase)).status).toBe(200);
    });
  });

  describe('passwords of nothing but whitespace', () => {
    it.each([
      ['twelve spaces', ' '.repeat(12)],
      ['tabs, newlines and spaces', '\t \n \t \n \t \n'],
      ['ideographic spaces (spaces after NFKC)', '\u3000'.repeat(8)],
      ['no-break spaces (spaces after NFKC)', '\u00a0'.repeat(10)],
    ])('refuses %s at registration: 400 VALIDATION_FAILED on password, saying why', async (_label, password) => {
      const response = await register(uniqueEmail(), password);
      expectError(response, 400, 'VALIDATION_FAILED');
      const detail = response.body.details.find((item: { field: string }) => item.field === 'password');
      expect(detail?.messages.join(' ')).toMatch(/whitespace/i);
    });

    it('refuses an all-whitespace newPassword on POST /users/me/password, and the old password still logs in', async () => {
      const { client, user } = await logIn(testApp(), 'body');
      const response = await client.post(`${ME}/password`, { currentPassword: user.password, newPassword: ' '.repeat(16) });
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(response.body.details).toEqual([expect.objectContaining({ field: 'newPassword', messages: [expect.stringMatching(/whitespace/i)] })]);
      expect((await login(user.email, user.password)).status).toBe(200);
    });

    it('accepts a passphrase with spaces inside and around it', async () => {
      const email = uniqueEmail();
      const password = '  a passphrase with spaces  ';
      expect((await register(email, password)).status).toBe(201);
      expect((await login(email, password)).status).toBe(200);
    });
  });

  describe('a new password equal to the current one', () => {
    it.each([
      ['the same text', (password: string) => password],
      ['the same under NFKC (typed in fullwidth)', (password: string) => password.replace(/[a-z]/g, (letter) => String.fromCharCode(letter.charCodeAt(0) + 0xfee0))],
    ])('is refused when it is %s: 400 VALIDATION_FAILED saying why, and no session ends', async (_label, sameAs) => {
      const user = await registerUser(testApp());
      const { client } = await logIn(testApp(), 'body', user);
      const other = await logIn(testApp(), 'body', user);
      const newPassword = sameAs(user.password);
      const response = await client.post(`${ME}/password`, { currentPassword: user.password, newPassword });
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(response.body.details).toEqual([expect.objectContaining({ field: 'newPassword', messages: [expect.stringMatching(/current/i)] })]);
      expect((await other.client.get(ME)).status).toBe(200);
    });
  });

  describe('no truncation', () => {
    it('refuses the first 72 characters of a 100-character password (401), and takes the whole one', async () => {
      const email = uniqueEmail();
      const password = `${'x'.repeat(72)}-and-28-characters-after-72`.padEnd(100, '!');
      expect(password).toHaveLength(100);
      expect((await register(email, password)).status).toBe(201);
      expectError(await login(email, password.slice(0, 72)), 401, 'INVALID_CREDENTIALS');
      expect((await login(email, password)).status).toBe(200);
    });

    it('refuses the 100-character password with its last character changed', async () => {
      const email = uniqueEmail();
      const password = 'y'.repeat(100);
      expect((await register(email, password)).status).toBe(201);
      expectError(await login(email, `${'y'.repeat(99)}z`), 401, 'INVALID_CREDENTIALS');
    });
  });

  describe('Unicode NFKC normalisation', () => {
    const FULLWIDTH = '\uFF43\uFF4F\uFF52\uFF52\uFF45\uFF43\uFF54\u3000\uFF48\uFF4F\uFF52\uFF53\uFF45\u3000\uFF42\uFF41\uFF54\uFF54\uFF45\uFF52\uFF59';
    const ASCII = 'correct horse battery';
    const COMPOSED = 'caf\u00E9 cr\u00E8me br\u00FBl\u00E9e na\u00EFve';
    const DECOMPOSED = COMPOSED.normalize('NFD');

    it('checks the premise: the forms differ as strings and agree under NFKC', () => {
      expect(FULLWIDTH).not.toBe(ASCII);
      expect(FULLWIDTH.normalize('NFKC')).toBe(ASCII);
      expect(DECOMPOSED).not.toBe(COMPOSED);
      expect(DECOMPOSED.normalize('NFKC')).toBe(COMPOSED.normalize('NFKC'));
    });

    it.each([
      ['fullwidth', 'its ASCII form', FULLWIDTH, ASCII],
      ['ASCII', 'its fullwidth form', ASCII, FULLWIDTH],
      ['decomposed', 'its composed form', DECOMPOSED, COMPOSED],
      ['composed', 'its decomposed form', COMPOSED, DECOMPOSED],
    ])('logs in a password registered in %s form with %s', async (_from, _to, registered, typed) => {
      const email = uniqueEmail();
      expect((await register(email, registered)).status).toBe(201);
      expect((await login(email, typed)).status).toBe(200);
    });

    it('still refuses a different password typed in fullwidth', async () => {
      const email = uniqueEmail();
      expect((await register(email, ASCII)).status).toBe(201);
      expectError(await login(email, FULLWIDTH.replace('\uFF59', '\uFF58')), 401, 'INVALID_CREDENTIALS');
    });
  });
});

describe('session lifetimes enforced by the server', () => {
  const testApp = appWith();

  const refresh = (refreshToken: string) => testApp().client().post(REFRESH, { refreshToken });
  const row = async (sessionId: string): Promise<{ expires_at: Date; max_expires_at: Date }> => {
    const [found] = await testApp().dataSource.query('SELECT expires_at, max_expires_at FROM key_store WHERE id = $1', [sessionId]);
    return { expires_at: new Date(found.expires_at), max_expires_at: new Date(found.max_expires_at) };
  };
  const setColumn = (sessionId: string, column: 'expires_at' | 'max_expires_at', interval: string) =>
    testApp().dataSource.query(`UPDATE key_store SET ${column} = now() + interval '${interval}' WHERE id = $1`, [sessionId]);

  function expectTokenError(response: ApiResponse, code: string): void {
    expectError(response, 401, code);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  }

  describe.each(['expires_at', 'max_expires_at'] as const)('once %s is past', (column) => {
    let session: LoggedInClient;
    let untouched: LoggedInClient;
    beforeAll(async () => {
      session = await logIn(testApp(), 'body');
      untouched = await logIn(testApp(), 'body', session.user);
      await setColumn(session.sessionId, column, '-1 second');
    });

    it('still serves another session of the same user, logged in at the same time', async () => {
      expect((await untouched.client.get(ME)).status).toBe(200);
      expect((await refresh(untouched.refreshToken!)).status).toBe(200);
    });

    it('answers 401 SESSION_REVOKED to the refresh token, though it is within its own exp', async () => {
      expect(claims(session.refreshToken!).exp * 1000).toBeGreaterThan(Date.now() + DAY_MS);
      expectTokenError(await refresh(session.refreshToken!), 'SESSION_REVOKED');
    });

    it('answers 401 SESSION_REVOKED to the access token, though it is within its own exp', async () => {
      expect(claims(session.login.body.accessToken).exp * 1000).toBeGreaterThan(Date.now());
      expectTokenError(await session.client.get(ME), 'SESSION_REVOKED');
    });
  });

  it('extends expires_at on refresh (REFRESH_TOKEN_TTL after now), within max_expires_at', async () => {
    const session = await logIn(testApp(), 'body');
    await setColumn(session.sessionId, 'expires_at', '1 hour');
    const before = await row(session.sessionId);
    const startedAt = Date.now();
    const rotated = await refresh(session.refreshToken!);
    expect(rotated.status).toBe(200);
    const after = await row(session.sessionId);
    expect(after.expires_at.getTime()).toBeGreaterThan(before.expires_at.getTime());
    expect(after.expires_at.getTime()).toBeGreaterThanOrEqual(startedAt + testApp().config.refreshTokenTtlSeconds * 1000 - 1000);
    expect(after.expires_at.getTime()).toBeLessThanOrEqual(after.max_expires_at.getTime());
    expect(after.max_expires_at).toEqual(before.max_expires_at);
  });

  it('never extends expires_at past max_expires_at, nor the refresh token past it', async () => {
    const session = await logIn(testApp(), 'body');
    await setColumn(session.sessionId, 'max_expires_at', '2 hours');
    await setColumn(session.sessionId, 'expires_at', '1 hour');
    const rotated = await refresh(session.refreshToken!);
    expect(rotated.status).toBe(200);
    const after = await row(session.sessionId);
    expect(after.expires_at).toEqual(after.max_expires_at);
    expect(claims(rotated.body.refreshToken).exp * 1000).toBeLessThanOrEqual(after.max_expires_at.getTime());
    expect(Date.parse(rotated.body.session.refreshTokenExpiresAt)).toBeLessThanOrEqual(after.max_expires_at.getTime());
  });

  it('keeps refreshing a session whose expires_at was capped by max_expires_at', async () => {
    const session = await logIn(testApp(), 'body');
    await setColumn(session.sessionId, 'max_expires_at', '2 hours');
    const first = await refresh(session.refreshToken!);
    const second = await refresh(first.body.refreshToken);
    expect(second.status).toBe(200);
    const after = await row(session.sessionId);
    expect(after.expires_at).toEqual(after.max_expires_at);
  });
});

describe('expired-session clean-up (SessionCleanup.purgeExpiredSessions)', () => {
  const testApp = appWith();
  const sessionExists = async (sessionId: string) => (await testApp().dataSource.query('SELECT 1 FROM key_store WHERE id = $1', [sessionId])).length === 1;
  const expire = (sessionId: string, column: 'expires_at' | 'max_expires_at') =>
    testApp().dataSource.query(`UPDATE key_store SET ${column} = now() - interval '1 second' WHERE id = $1`, [sessionId]);

  let idleExpired: LoggedInClient;
  let maxExpired: LoggedInClient;
  let revokedExpired: LoggedInClient;
  let live: LoggedInClient;
  let revokedLive: LoggedInClient;
  let removed: number;

  beforeAll(async () => {
    const user = await registerUser(testApp(), { password: TEST_PASSWORD });
    [idleExpired, maxExpired, revokedExpired, live, revokedLive] = await Promise.all(Array.from({ length: 5 }, () => logIn(testApp(), 'body', user)));
    expect((await revokedExpired.client.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await revokedLive.client.post('/api/v1/auth/logout')).status).toBe(204);
    await expire(idleExpired.sessionId, 'expires_at');
    await expire(maxExpired.sessionId, 'max_expires_at');
    await expire(revokedExpired.sessionId, 'expires_at');
    removed = await testApp().app.get(SessionCleanup).purgeExpiredSessions();
  });

  it('resolves the number of sessions it removed', () => {
    expect(removed).toBe(3);
  });

  it('deletes sessions past either expiry, revoked or not', async () => {
    expect(await sessionExists(idleExpired.sessionId)).toBe(false);
    expect(await sessionExists(maxExpired.sessionId)).toBe(false);
    expect(await sessionExists(revokedExpired.sessionId)).toBe(false);
  });

  it('keeps live sessions, even a revoked one that has not expired', async () => {
    expect(await sessionExists(live.sessionId)).toBe(true);
    expect(await sessionExists(revokedLive.sessionId)).toBe(true);
    expect((await live.client.get(ME)).status).toBe(200);
  });

  it('removes nothing on a second run', async () => {
    expect(await testApp().app.get(SessionCleanup).purgeExpiredSessions()).toBe(0);
  });

  it('answers 401 SESSION_REVOKED to the access and refresh tokens of a purged session (the user exists)', async () => {
    expectError(await idleExpired.client.get(ME), 401, 'SESSION_REVOKED');
    expectError(await testApp().client().post(REFRESH, { refreshToken: maxExpired.refreshToken }), 401, 'SESSION_REVOKED');
  });
});
