import { Client } from 'pg';
import { ApiClient } from './support/api-client';
import { eventually } from './support/eventually';
import { outboxDrained } from './support/outbox';
import { QueryCounter } from './support/query-counter';
import { ServiceProcess, startSecondInstance } from './support/service-process';
import { SmtpReceiver } from './support/smtp-receiver';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, registerUser } from './support/users';

const ME = '/api/v1/users/me';
const KEY_STORE_QUERY = /"?key_store"?/i;
const USERS_QUERY = /FROM "users"/i;

describe('revocation cache (one instance)', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it.each(['body', 'cookie'] as const)('answers 1,000 warm %s-authenticated requests without one KeyStore or users query', async (transport) => {
    const { client } = await logIn(testApp, transport);
    // The registration's verification mail, composed in the background, reads the user: not a request's query.
    await outboxDrained(testApp.dataSource);
    const queries = new QueryCounter(testApp.dataSource);
    try {
      expect((await client.get(ME)).status).toBe(200);
      // The cold request did read both: the counter sees the queries it must not see later.
      expect(queries.count(KEY_STORE_QUERY)).toBeGreaterThan(0);
      expect(queries.count(USERS_QUERY)).toBeGreaterThan(0);
      queries.reset();
      for (let i = 0; i < 1000; i++) expect((await client.get(ME)).status).toBe(200);
      expect(queries.count(KEY_STORE_QUERY)).toBe(0);
      expect(queries.count(USERS_QUERY)).toBe(0);
    } finally {
      queries.stop();
    }
  });

  it('still stops a token at once after logout, rotation and password change', async () => {
    const first = await logIn(testApp, 'body');
    const second = await logIn(testApp, 'body', first.user);
    await first.client.get(ME);
    await second.client.get(ME);

    const rotated = await first.client.post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect((await first.client.get(ME)).body.code).toBe('SESSION_REVOKED');
    first.client.bearer = rotated.body.accessToken;
    expect((await first.client.get(ME)).status).toBe(200);

    await first.client.post('/api/v1/users/me/password', { currentPassword: first.user.password, newPassword: 'a brand new passphrase' });
    expect((await second.client.get(ME)).body.code).toBe('SESSION_REVOKED');

    await first.client.post('/api/v1/auth/logout');
    expect((await first.client.get(ME)).body.code).toBe('SESSION_REVOKED');
  });

  it('stops every session of the user at once after logout-all', async () => {
    const first = await logIn(testApp, 'body');
    const second = await logIn(testApp, 'body', first.user);
    expect((await second.client.get(ME)).status).toBe(200);
    expect((await first.client.post('/api/v1/auth/logout-all')).status).toBe(204);
    expect((await first.client.get(ME)).body.code).toBe('SESSION_REVOKED');
    expect((await second.client.get(ME)).body.code).toBe('SESSION_REVOKED');
  });

  describe('ending sessions by an id written in upper case (ids are canonicalised at the edge)', () => {
    it('stops a warm token at once when its session is ended by DELETE /auth/sessions/<ID IN UPPER CASE>', async () => {
      const asking = await logIn(testApp, 'body');
      const other = await logIn(testApp, 'body', asking.user);
      expect((await other.client.get(ME)).status).toBe(200);
      const response = await asking.client.delete(`/api/v1/auth/sessions/${other.sessionId.toUpperCase()}`);
      expect(response.status).toBe(204);
      const after = await other.client.get(ME);
      expect({ status: after.status, code: after.body.code }).toEqual({ status: 401, code: 'SESSION_REVOKED' });
      expect((await asking.client.get(ME)).status).toBe(200);
    });

    it('records the session_revoked event under the lower-case session id', async () => {
      const asking = await logIn(testApp, 'body');
      const other = await logIn(testApp, 'body', asking.user);
      await asking.client.delete(`/api/v1/auth/sessions/${other.sessionId.toUpperCase()}`);
      const events = (await asking.client.get('/api/v1/users/me/events')).body.items as Array<{ type: string; sessionId: string }>;
      expect(events.find((event) => event.type === 'session_revoked')?.sessionId).toBe(other.sessionId);
    });

    it("stops warm tokens at once when an admin ends a user's sessions by DELETE /users/<ID IN UPPER CASE>/sessions", async () => {
      const admin = await logIn(testApp, 'body', await registerUser(testApp, { roles: ['user', 'admin'] }));
      const target = await logIn(testApp, 'body');
      expect((await target.client.get(ME)).status).toBe(200);
      const response = await admin.client.delete(`/api/v1/users/${target.user.id.toUpperCase()}/sessions`);
      expect(response.status).toBe(204);
      const after = await target.client.get(ME);
      expect({ status: after.status, code: after.body.code }).toEqual({ status: 401, code: 'SESSION_REVOKED' });
    });
  });

  it('serves a renamed profile at once', async () => {
    const { client } = await logIn(testApp, 'body');
    await client.get(ME);
    await client.patch(ME, { name: 'Renamed' });
    expect((await client.get(ME)).body.name).toBe('Renamed');
  });
});

const twoInstances = process.env.TEST_DATABASE_URL ? describe : describe.skip;

twoInstances('revocation cache across two instances on one PostgreSQL (needs TEST_DATABASE_URL)', () => {
  let a: TestApp;
  // The second instance is a process of its own, as in a deployment (Passport's strategies are process-wide).
  let b: ServiceProcess;
  const smtp = new SmtpReceiver();
  beforeAll(async () => {
    a = await startTestApp({ SMTP_URL: await smtp.start() });
    b = await startSecondInstance(a);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
    await smtp.stop();
  });

  /** The same token, sent to the other instance. */
  const onInstance = (instance: ServiceProcess, bearer: string) => {
    const client = instance.client();
    client.bearer = bearer;
    return client;
  };

  /** Waits until instance B answers 401 to the token it is sent with; fails the test when that never happens. */
  const eventuallyRejected = (onB: ApiClient) => eventually('instance B to reject the token', async () => (await onB.get(ME)).status === 401);

  it('accepts one access token on both instances while its session lives', async () => {
    const { client, login } = await logIn(a, 'body');
    const onB = onInstance(b, login.body.accessToken);
    for (let i = 0; i < 20; i++) {
      expect((await client.get(ME)).status).toBe(200);
      expect((await onB.get(ME)).status).toBe(200);
    }
  });

  it('rejects on instance B a token logged out on instance A, once the notification arrives', async () => {
    const { client, login } = await logIn(a, 'body');
    const onB = onInstance(b, login.body.accessToken);
    expect((await onB.get(ME)).status).toBe(200);
    expect((await client.post('/api/v1/auth/logout')).status).toBe(204);
    await eventuallyRejected(onB);
    expect((await onB.get(ME)).body.code).toBe('SESSION_REVOKED');
  });

  it('rejects on instance B the access token that a refresh on A rotated away, once the notification arrives', async () => {
    const { client, login, refreshToken } = await logIn(a, 'body');
    const onB = onInstance(b, login.body.accessToken);
    expect((await onB.get(ME)).status).toBe(200);
    expect((await client.post('/api/v1/auth/refresh', { refreshToken })).status).toBe(200);
    await eventuallyRejected(onB);
  });

  it('rejects on instance B a token whose session was ended on A by its id in upper case, once the notification arrives', async () => {
    const asking = await logIn(a, 'body');
    const other = await logIn(a, 'body', asking.user);
    const onB = onInstance(b, other.login.body.accessToken);
    expect((await onB.get(ME)).status).toBe(200);
    expect((await asking.client.delete(`/api/v1/auth/sessions/${other.sessionId.toUpperCase()}`)).status).toBe(204);
    await eventuallyRejected(onB);
    expect((await onB.get(ME)).body.code).toBe('SESSION_REVOKED');
  });

  it('rejects on instance B a token whose user an admin on A cut off by the user id in upper case, once the notification arrives', async () => {
    const admin = await logIn(a, 'body', await registerUser(a, { roles: ['user', 'admin'] }));
    const target = await logIn(a, 'body');
    const onB = onInstance(b, target.login.body.accessToken);
    expect((await onB.get(ME)).status).toBe(200);
    expect((await admin.client.delete(`/api/v1/users/${target.user.id.toUpperCase()}/sessions`)).status).toBe(204);
    await eventuallyRejected(onB);
    expect((await onB.get(ME)).body.code).toBe('SESSION_REVOKED');
  });

  it('rejects on instance B every token of a user whose password was reset through A, once the notification arrives', async () => {
    const { user, login } = await logIn(a, 'body');
    const onB = onInstance(b, login.body.accessToken);
    expect((await onB.get(ME)).status).toBe(200);
    await a.client().post('/api/v1/auth/password/forgot', { email: user.email });
    const { token } = await smtp.next(user.email, 'Reset your password');
    expect((await a.client().post('/api/v1/auth/password/reset', { token, newPassword: 'a new and much better passphrase' })).status).toBe(204);
    await eventuallyRejected(onB);
    expect((await onB.get(ME)).body.code).toBe('SESSION_REVOKED');
  });

  it('serves on B the verified address confirmed through A, once the notification arrives', async () => {
    const { user, login } = await logIn(a, 'body');
    const onB = onInstance(b, login.body.accessToken);
    expect((await onB.get(ME)).body.emailVerified).toBe(false);
    const { token } = await smtp.next(user.email, 'Confirm your email address');
    expect((await a.client().post('/api/v1/auth/email/verify', { token })).status).toBe(204);
    await eventually('instance B to serve the address as verified', async () => (await onB.get(ME)).body.emailVerified === true);
  });

  it('serves on B a name changed on A, once the notification arrives', async () => {
    const { client, login } = await logIn(a, 'body');
    const onB = onInstance(b, login.body.accessToken);
    await onB.get(ME);
    await client.patch(ME, { name: 'Changed on A' });
    await eventually('instance B to serve the new name', async () => (await onB.get(ME)).body.name === 'Changed on A');
  });

  it('tells B about a revocation whose instance died before sending it: the outbox row is swept by a live instance', async () => {
    const { login } = await logIn(a, 'body');
    const onB = onInstance(b, login.body.accessToken);
    expect((await onB.get(ME)).status).toBe(200);
    // What an instance leaves behind when it dies right after committing: the change and its queued key, never sent.
    const admin = new Client({ connectionString: a.config.databaseUrl });
    await admin.connect();
    try {
      await admin.query('BEGIN');
      await admin.query(`UPDATE key_store SET status = 'revoked' WHERE id = $1`, [login.body.session.id]);
      await admin.query('INSERT INTO cache_invalidations (key) VALUES ($1)', [`session:${login.body.session.id}`]);
      await admin.query('COMMIT');
    } finally {
      await admin.end();
    }
    await eventuallyRejected(onB);
  });

  it('sees a change that sent no notification once its listening connection was cut (cache bypassed, then cleared)', async () => {
    const { login } = await logIn(a, 'body');
    const onB = onInstance(b, login.body.accessToken);
    expect((await onB.get(ME)).status).toBe(200);
    const admin = new Client({ connectionString: a.config.databaseUrl });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'auth-cache-listener' AND datname = current_database()`);
      await admin.query(`UPDATE key_store SET status = 'revoked' WHERE id = $1`, [login.body.session.id]);
    } finally {
      await admin.end();
    }
    await eventuallyRejected(onB);
  });
});
