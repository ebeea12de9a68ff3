import { randomUUID } from 'node:crypto';
import { ApiClient, ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, registerUser, TestUser } from './support/users';

const EVENTS = '/api/v1/users/me/events';
const USER_AGENT = 'security-events-e2e/1.0 (journey)';
const AS_CLIENT = { headers: { 'user-agent': USER_AGENT } };
const NEW_PASSWORD = 'a fresh passphrase after the incident';

/** Throws (failing the suite set-up) when a journey step did not answer as the contract says. */
function step(name: string, response: ApiResponse, status: number, code?: string): ApiResponse {
  if (response.status !== status || (code && response.body?.code !== code)) {
    throw new Error(`${name}: expected ${status} ${code ?? ''}, got ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response;
}

async function waitForEvent(testApp: TestApp, userId: string, type: string): Promise<void> {
  await eventually(`a ${type} event recorded for ${userId}`, async () => {
    const [row] = await testApp.dataSource.query('SELECT count(*)::int AS n FROM auth_events WHERE user_id = $1 AND type = $2', [userId, type]);
    return row.n > 0;
  });
}

function bearerClient(testApp: TestApp, accessToken: string): ApiClient {
  const client = testApp.client();
  client.bearer = accessToken;
  return client;
}

async function bodyLogin(testApp: TestApp, user: TestUser) {
  return logIn(testApp, 'body', user, AS_CLIENT.headers);
}

interface Journey {
  user: TestUser;
  /** A session started after the journey, to read the trail with. */
  reader: ApiClient;
  /** Session ids: a (refreshed, then replayed), b (deleted), c (password change, logout), d (logout-all), reader. */
  sessions: Record<'a' | 'b' | 'c' | 'd' | 'reader', string>;
}

/** One user through every kind of event, with REFRESH_REUSE_GRACE=1s. */
async function runJourney(testApp: TestApp): Promise<Journey> {
  const registered = step(
    'register',
    await testApp.client().post('/api/v1/auth/register', { email: `journey-${randomUUID()}@example.com`, password: 'correct horse battery staple' }, AS_CLIENT),
    201,
  );
  const user: TestUser = { id: registered.body.id, email: registered.body.email, password: 'correct horse battery staple' };

  step('failed login', await testApp.client().post('/api/v1/auth/login', { email: user.email, password: 'not the right password' }, AS_CLIENT), 401);
  await waitForEvent(testApp, user.id, 'login_failed');

  const a = await bodyLogin(testApp, user);
  const refreshed = step('refresh', await testApp.client().post('/api/v1/auth/refresh', { refreshToken: a.refreshToken }, AS_CLIENT), 200);
  const b = await bodyLogin(testApp, user);
  step('delete session b', await bearerClient(testApp, refreshed.body.accessToken).delete(`/api/v1/auth/sessions/${b.sessionId}`, undefined, AS_CLIENT), 204);

  testApp.clock.advance(1500);
  step('replay', await testApp.client().post('/api/v1/auth/refresh', { refreshToken: a.refreshToken }, AS_CLIENT), 401, 'REFRESH_TOKEN_REUSED');

  const c = await bodyLogin(testApp, user);
  step('password change', await c.client.post('/api/v1/users/me/password', { currentPassword: user.password, newPassword: NEW_PASSWORD }, AS_CLIENT), 204);
  user.password = NEW_PASSWORD;
  step('logout', await c.client.post('/api/v1/auth/logout', undefined, AS_CLIENT), 204);

  const d = await bodyLogin(testApp, user);
  step('logout-all', await d.client.post('/api/v1/auth/logout-all', undefined, AS_CLIENT), 204);

  const reader = await bodyLogin(testApp, user);
  return {
    user,
    reader: reader.client,
    sessions: { a: a.sessionId, b: b.sessionId, c: c.sessionId, d: d.sessionId, reader: reader.sessionId },
  };
}

async function allEvents(client: ApiClient): Promise<any[]> {
  const response = await client.get(`${EVENTS}?limit=100`);
  expect(response.status).toBe(200);
  return response.body.items;
}

describe('security events (GET /api/v1/users/me/events)', () => {
  let testApp: TestApp;
  let journey: Journey;
  beforeAll(async () => {
    testApp = await startTestApp({ REFRESH_REUSE_GRACE: '1s' });
    journey = await runJourney(testApp);
  });
  afterAll(() => testApp?.close());

  describe('the trail of one user', () => {
    it('lists each event once per occurrence, newest first, in the order they happened', async () => {
      const response = await journey.reader.get(EVENTS);
      expect(response.status).toBe(200);
      expect(response.body.nextCursor).toBeNull();
      expect(response.body.items.map((event: { type: string }) => event.type)).toEqual([
        'login_succeeded',
        'logout_all',
        'login_succeeded',
        'logout',
        'password_changed',
        'login_succeeded',
        'refresh_reuse_detected',
        'session_revoked',
        'login_succeeded',
        'refresh',
        'login_succeeded',
        'login_failed',
        'register',
      ]);
    });

    it('gives each event its time, never increasing down the list', async () => {
      const times = (await allEvents(journey.reader)).map((event) => Date.parse(event.at));
      expect(times.every((time) => Number.isFinite(time))).toBe(true);
      expect(times).toEqual([...times].sort((x, y) => y - x));
    });

    it('names the session of each event where a session is involved', async () => {
      const { a, b, c, d, reader } = journey.sessions;
      expect((await allEvents(journey.reader)).map((event) => [event.type, event.sessionId])).toEqual([
        ['login_succeeded', reader],
        ['logout_all', d],
        ['login_succeeded', d],
        ['logout', c],
        ['password_changed', c],
        ['login_succeeded', c],
        ['refresh_reuse_detected', a],
        ['session_revoked', b],
        ['login_succeeded', b],
        ['refresh', a],
        ['login_succeeded', a],
        ['login_failed', null],
        ['register', null],
      ]);
    });

    it('gives items exactly {id, type, at, ip, userAgent, sessionId, amr}, with the caller IP and the User-Agent sent, and amr only for logins', async () => {
      const items = await allEvents(journey.reader);
      for (const item of items) {
        expect(Object.keys(item).sort()).toEqual(['amr', 'at', 'id', 'ip', 'sessionId', 'type', 'userAgent']);
        expect(item.amr).toEqual(item.type === 'login_succeeded' ? ['pwd'] : null);
        expect(item).toEqual(expect.objectContaining({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), ip: '127.0.0.1', userAgent: USER_AGENT }));
      }
      expect(new Set(items.map((item) => item.id)).size).toBe(items.length);
    });

    it('shows another user none of these events', async () => {
      const other = await logIn(testApp, 'body');
      const items = await allEvents(other.client);
      expect(items.map((item) => item.type)).toEqual(['login_succeeded', 'register']);
      const journeyIds = new Set((await allEvents(journey.reader)).map((item) => item.id));
      expect(items.filter((item) => journeyIds.has(item.id))).toEqual([]);
    });
  });

  describe('paging', () => {
    it('returns every event exactly once when following nextCursor with limit=2, and the last page has nextCursor null', async () => {
      const pages: any[] = [];
      let path = `${EVENTS}?limit=2`;
      for (let page = 0; page < 20; page++) {
        const response = await journey.reader.get(path);
        expect(response.status).toBe(200);
        pages.push(response.body);
        if (response.body.nextCursor === null) break;
        expect(typeof response.body.nextCursor).toBe('string');
        path = `${EVENTS}?limit=2&before=${encodeURIComponent(response.body.nextCursor)}`;
      }
      const all = await allEvents(journey.reader);
      expect(pages.map((page) => page.items.length)).toEqual([2, 2, 2, 2, 2, 2, 1]);
      expect(pages[pages.length - 1].nextCursor).toBeNull();
      expect(pages.flatMap((page) => page.items.map((item: { id: string }) => item.id))).toEqual(all.map((item) => item.id));
    });

    it('gives a full last page nextCursor null when the events end exactly there', async () => {
      const user = await registerUser(testApp);
      const { client } = await logIn(testApp, 'body', user);
      const first = await client.get(`${EVENTS}?limit=1`);
      const second = await client.get(`${EVENTS}?limit=1&before=${encodeURIComponent(first.body.nextCursor)}`);
      expect(first.body.items.map((item: { type: string }) => item.type)).toEqual(['login_succeeded']);
      expect(second.body).toEqual({ items: [expect.objectContaining({ type: 'register' })], nextCursor: null });
    });

    it.each(['0', '101', 'abc', '-1', '2.5'])('answers 400 VALIDATION_FAILED to limit=%s', async (limit) => {
      expectError(await journey.reader.get(`${EVENTS}?limit=${limit}`), 400, 'VALIDATION_FAILED');
    });

    it('accepts limit=100', async () => {
      const response = await journey.reader.get(`${EVENTS}?limit=100`);
      expect(response.status).toBe(200);
      expect(response.body.items).toHaveLength(13);
    });

    it.each(['xyz', '-5', '1e3', `${'9'.repeat(40)}`])('answers 400 VALIDATION_FAILED to the cursor before=%s', async (before) => {
      expectError(await journey.reader.get(`${EVENTS}?before=${before}`), 400, 'VALIDATION_FAILED');
    });

    it('answers 401 TOKEN_MISSING without a token', async () => {
      expectError(await testApp.client().get(EVENTS), 401, 'TOKEN_MISSING');
    });
  });

  describe('the auth_events table', () => {
    it('refuses an UPDATE of a recorded event in the database, and the event stays as it was', async () => {
      const before = await allEvents(journey.reader);
      await expect(testApp.dataSource.query(`UPDATE auth_events SET type = 'logout' WHERE user_id = $1`, [journey.user.id])).rejects.toThrow(/append-only/);
      expect(await allEvents(journey.reader)).toEqual(before);
    });
  });
});
