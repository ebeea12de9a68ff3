import { randomUUID } from 'node:crypto';
import { ApiClient } from './support/api-client';
import { startTestApp, TestApp } from './support/test-app';
import { LoggedInClient, logIn, registerUser, TestUser } from './support/users';

const SESSION_ITEM_KEYS = ['aal', 'amr', 'createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent'];

describe('sessions', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  const logInAs = (user: TestUser, userAgent = 'jest-e2e') => logIn(testApp, 'body', user, { 'user-agent': userAgent });
  const listSessions = (client: ApiClient) => client.get('/api/v1/auth/sessions');
  const profileStatus = async (client: ApiClient) => (await client.get('/api/v1/users/me')).status;

  describe('GET /api/v1/auth/sessions', () => {
    let user: TestUser;
    let first: LoggedInClient;
    let second: LoggedInClient;
    let ended: LoggedInClient;
    let stranger: LoggedInClient;

    beforeAll(async () => {
      user = await registerUser(testApp);
      first = await logInAs(user, 'Firefox/first');
      second = await logInAs(user, 'Safari/second');
      ended = await logInAs(user, 'Chrome/ended');
      stranger = await logIn(testApp, 'body');
      expect((await first.client.delete(`/api/v1/auth/sessions/${ended.sessionId}`)).status).toBe(204);
    });

    it('lists each live session with exactly id, createdAt, lastUsedAt, expiresAt, userAgent, ip and current', async () => {
      const response = await listSessions(first.client);
      expect(response.status).toBe(200);
      expect(response.body).toHaveLength(2);
      for (const item of response.body) {
        expect(Object.keys(item).sort()).toEqual(SESSION_ITEM_KEYS);
        expect(new Date(item.expiresAt).getTime()).toBeGreaterThan(Date.now());
        expect(Number.isNaN(Date.parse(item.createdAt))).toBe(false);
        expect(Number.isNaN(Date.parse(item.lastUsedAt))).toBe(false);
        expect(item.ip).toMatch(/127\.0\.0\.1/);
      }
    });

    it('marks only the asking session as current', async () => {
      const fromFirst = (await listSessions(first.client)).body;
      const fromSecond = (await listSessions(second.client)).body;
      expect(fromFirst.filter((item: { current: boolean }) => item.current).map((item: { id: string }) => item.id)).toEqual([first.sessionId]);
      expect(fromSecond.filter((item: { current: boolean }) => item.current).map((item: { id: string }) => item.id)).toEqual([second.sessionId]);
    });

    it('shows the User-Agent sent at login', async () => {
      const items = (await listSessions(first.client)).body as Array<{ id: string; userAgent: string }>;
      expect(items.find((item) => item.id === first.sessionId)?.userAgent).toBe('Firefox/first');
      expect(items.find((item) => item.id === second.sessionId)?.userAgent).toBe('Safari/second');
    });

    it('leaves out ended sessions', async () => {
      const ids = (await listSessions(first.client)).body.map((item: { id: string }) => item.id);
      expect(ids.sort()).toEqual([first.sessionId, second.sessionId].sort());
      expect(ids).not.toContain(ended.sessionId);
    });

    it("never shows another user's sessions", async () => {
      const mine = (await listSessions(first.client)).body.map((item: { id: string }) => item.id);
      const theirs = (await listSessions(stranger.client)).body.map((item: { id: string }) => item.id);
      expect(mine).not.toContain(stranger.sessionId);
      expect(theirs).toEqual([stranger.sessionId]);
    });

    it('answers 401 TOKEN_MISSING without a token', async () => {
      const response = await listSessions(testApp.client());
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('TOKEN_MISSING');
    });
  });

  it('moves lastUsedAt forward when the session is refreshed', async () => {
    const session = await logIn(testApp, 'body');
    const before = (await listSessions(session.client)).body[0].lastUsedAt;
    const refreshStartedAt = Date.now();
    const refreshed = await session.client.post('/api/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect(refreshed.status).toBe(200);
    session.client.bearer = refreshed.body.accessToken;
    const [item] = (await listSessions(session.client)).body;
    expect(item.id).toBe(session.sessionId);
    expect(Date.parse(item.lastUsedAt)).toBeGreaterThan(Date.parse(before));
    expect(Date.parse(item.lastUsedAt)).toBeGreaterThanOrEqual(refreshStartedAt);
  });

  describe('DELETE /api/v1/auth/sessions/:id', () => {
    it("ends one of the user's own sessions: 204, then its access token answers 401 SESSION_REVOKED", async () => {
      const user = await registerUser(testApp);
      const asking = await logInAs(user);
      const other = await logInAs(user);
      const response = await asking.client.delete(`/api/v1/auth/sessions/${other.sessionId}`);
      expect(response.status).toBe(204);
      const after = await other.client.get('/api/v1/users/me');
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('SESSION_REVOKED');
      expect(await profileStatus(asking.client)).toBe(200);
    });

    it("answers 404 NOT_FOUND for another user's session, which keeps working", async () => {
      const attacker = await logIn(testApp, 'body');
      const victim = await logIn(testApp, 'body');
      const response = await attacker.client.delete(`/api/v1/auth/sessions/${victim.sessionId}`);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('NOT_FOUND');
      expect(await profileStatus(victim.client)).toBe(200);
    });

    it('answers 404 NOT_FOUND for an unknown session id', async () => {
      const { client } = await logIn(testApp, 'body');
      const response = await client.delete(`/api/v1/auth/sessions/${randomUUID()}`);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('NOT_FOUND');
    });

    it('answers 400 VALIDATION_FAILED for an id that is not a uuid', async () => {
      const { client } = await logIn(testApp, 'body');
      const response = await client.delete('/api/v1/auth/sessions/not-a-uuid');
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('DELETE /api/v1/users/:id/sessions (incident response)', () => {
    const logInAdmin = async () => logIn(testApp, 'body', await registerUser(testApp, { roles: ['user', 'admin'] }));

    it('answers 403 FORBIDDEN to a user without the admin role, and ends nothing', async () => {
      const plain = await logIn(testApp, 'body');
      const target = await logIn(testApp, 'body');
      const response = await plain.client.delete(`/api/v1/users/${target.user.id}/sessions`);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
      expect(await profileStatus(target.client)).toBe(200);
    });

    it("lets an admin end every session of the target user (204), leaving the admin's own session alone", async () => {
      const admin = await logInAdmin();
      const target = await registerUser(testApp);
      const phone = await logInAs(target);
      const laptop = await logIn(testApp, 'cookie', target);
      const response = await admin.client.delete(`/api/v1/users/${target.id}/sessions`);
      expect(response.status).toBe(204);
      for (const session of [phone, laptop]) {
        const after = await session.client.get('/api/v1/users/me');
        expect(after.status).toBe(401);
        expect(after.body.code).toBe('SESSION_REVOKED');
      }
      expect(await profileStatus(admin.client)).toBe(200);
    });

    it("stops the target's refresh tokens too", async () => {
      const admin = await logInAdmin();
      const target = await logIn(testApp, 'body');
      await admin.client.delete(`/api/v1/users/${target.user.id}/sessions`);
      const refreshed = await testApp.client().post('/api/v1/auth/refresh', { refreshToken: target.refreshToken });
      expect(refreshed.status).toBe(401);
      expect(refreshed.body.code).toBe('SESSION_REVOKED');
    });

    it('answers 404 NOT_FOUND for an unknown user id', async () => {
      const admin = await logInAdmin();
      const response = await admin.client.delete(`/api/v1/users/${randomUUID()}/sessions`);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('NOT_FOUND');
    });

    it('answers 400 VALIDATION_FAILED for a user id that is not a uuid', async () => {
      const admin = await logInAdmin();
      const response = await admin.client.delete('/api/v1/users/not-a-uuid/sessions');
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    });

    it('answers 401 TOKEN_MISSING without a token', async () => {
      const target = await registerUser(testApp);
      const response = await testApp.client().delete(`/api/v1/users/${target.id}/sessions`);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('TOKEN_MISSING');
    });
  });
});

describe('MAX_SESSIONS_PER_USER', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp({ MAX_SESSIONS_PER_USER: '3' });
  });
  afterAll(() => testApp.close());

  const meStatus = async (session: LoggedInClient) => (await session.client.get('/api/v1/users/me')).status;

  it('a login beyond the limit ends the least recently used session (reason session_limit), and the list stays at the limit', async () => {
    const user = await registerUser(testApp);
    const first = await logIn(testApp, 'body', user);
    const second = await logIn(testApp, 'body', user);
    const third = await logIn(testApp, 'body', user);
    testApp.clock.advance(1000);
    const refreshed = await first.client.post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(refreshed.status).toBe(200);
    first.client.bearer = refreshed.body.accessToken;

    const fourth = await logIn(testApp, 'body', user);
    expect(await meStatus(second)).toBe(401);
    expect((await second.client.get('/api/v1/users/me')).body.code).toBe('SESSION_REVOKED');
    expect([await meStatus(first), await meStatus(third), await meStatus(fourth)]).toEqual([200, 200, 200]);
    const listed = (await fourth.client.get('/api/v1/auth/sessions')).body as Array<{ id: string }>;
    expect(listed.map((item) => item.id).sort()).toEqual([first.sessionId, third.sessionId, fourth.sessionId].sort());

    const [ended] = await testApp.dataSource.query('SELECT status, revoked_reason FROM key_store WHERE id = $1', [second.sessionId]);
    expect(ended).toEqual({ status: 'revoked', revoked_reason: 'session_limit' });
    const events = (await fourth.client.get('/api/v1/users/me/events')).body.items as Array<{ type: string; sessionId: string }>;
    expect(events.slice(0, 2)).toEqual([
      expect.objectContaining({ type: 'session_revoked', sessionId: second.sessionId }),
      expect.objectContaining({ type: 'login_succeeded', sessionId: fourth.sessionId }),
    ]);
    const metrics = (await testApp.client().get('/metrics')).body as string;
    expect(metrics).toMatch(/^auth_sessions_revoked_total\{reason="session_limit"\} [1-9]/m);
  });

  it('holds under logins at once: five parallel logins leave exactly the limit live', async () => {
    const user = await registerUser(testApp);
    await Promise.all(Array.from({ length: 5 }, () => logIn(testApp, 'body', user)));
    const [{ live }] = await testApp.dataSource.query(`SELECT count(*)::int AS live FROM key_store WHERE user_id = $1 AND status = 'active'`, [user.id]);
    expect(live).toBe(3);
  });
});
