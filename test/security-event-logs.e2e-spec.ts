import { randomUUID } from 'node:crypto';
import { AuthEventsService } from '../src/security-events';
import { adminUser, logInAdmin } from './support/admin';
import { ApiResponse } from './support/api-client';
import { eventually } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, registerUser, TestUser } from './support/users';
import { LogCollector } from './support/log-collector';

const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const FORGOT = '/api/v1/auth/password/forgot';
const BODY = { 'x-token-transport': 'body' };
/** Sent with every request, to show the user agent never reaches a security-event line. */
const USER_AGENT = `security-event-logs-agent-${randomUUID()}`;

interface EventLine {
  type: string;
  userId: string;
  sessionId: string | null;
  requestId: string | null;
}

const requestIdOf = (response: ApiResponse) => response.headers.get('x-request-id')!;

describe('security event log lines (LOG_LEVEL=info)', () => {
  const collector = new LogCollector();
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp({ LOG_LEVEL: 'info', REFRESH_REUSE_GRACE: '0' }, { logDestination: collector });
  });
  afterAll(() => testApp?.close());

  const securityLines = () => collector.entries().filter((entry) => entry.msg === 'security event');
  const eventsOf = (userId: string): EventLine[] =>
    securityLines()
      .filter((entry) => entry.event.userId === userId)
      .map((entry) => entry.event);
  const auditLines = () => collector.entries().filter((entry) => entry.msg === 'audit');
  /** The user's events as auth_events holds them. */
  const storedEventsOf = async (userId: string): Promise<Array<{ type: string; sessionId: string | null }>> =>
    (await testApp.dataSource.query('SELECT type, session_id FROM auth_events WHERE user_id = $1 ORDER BY seq', [userId])).map(
      (row: { type: string; session_id: string | null }) => ({ type: row.type, sessionId: row.session_id }),
    );
  /** Waits for the user's lines to match what auth_events holds: one line per stored event, no more. */
  async function expectOneLinePerStoredEvent(userId: string): Promise<void> {
    const stored = await storedEventsOf(userId);
    expect(stored.length).toBeGreaterThan(0);
    await eventually(`${stored.length} security event lines of user ${userId}`, () => eventsOf(userId).length >= stored.length);
    const logged = eventsOf(userId).map(({ type, sessionId }) => ({ type, sessionId }));
    const order = (events: Array<{ type: string; sessionId: string | null }>) =>
      [...events].sort((a, b) => `${a.type}${a.sessionId}`.localeCompare(`${b.type}${b.sessionId}`));
    expect(order(logged)).toEqual(order(stored));
  }

  it('logs a login as one info line: login_succeeded, the user, the session and the request id of the response', async () => {
    const user = await registerUser(testApp);
    const { login, sessionId } = await logIn(testApp, 'body', user, { 'user-agent': USER_AGENT });
    const lines = securityLines().filter((entry) => entry.event.requestId === requestIdOf(login));
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, msg: 'security event', event: { type: 'login_succeeded', userId: user.id, sessionId, requestId: requestIdOf(login) } }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(user.email);
    expect(JSON.stringify(lines)).not.toContain(USER_AGENT);
    expect(JSON.stringify(lines)).not.toContain('127.0.0.1');
    await expectOneLinePerStoredEvent(user.id);
  });

  it('logs a rotation (recorded within the rotating statement) and a refresh-token reuse, which ends the session', async () => {
    const { user, sessionId, refreshToken } = await logIn(testApp, 'body');
    const rotated = await testApp.client().post(REFRESH, { refreshToken }, { headers: BODY });
    expect(rotated.status).toBe(200);
    const reused = await testApp.client().post(REFRESH, { refreshToken }, { headers: BODY });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('REFRESH_TOKEN_REUSED');

    expect(eventsOf(user.id)).toEqual(
      expect.arrayContaining([
        { type: 'refresh', userId: user.id, sessionId, requestId: requestIdOf(rotated) },
        { type: 'refresh_reuse_detected', userId: user.id, sessionId, requestId: requestIdOf(reused) },
      ]),
    );
    await expectOneLinePerStoredEvent(user.id);
  });

  it('logs a failed login of a known user without the email or the password anywhere in the output', async () => {
    const email = `failed-login-${randomUUID()}@example.com`;
    const user: TestUser = await registerUser(testApp, { email });
    // Without SMTP_URL the welcome mail is written to the outbox folder with a line naming its recipient (a
    // development aid): awaited first, so that what follows is the failed login's output alone.
    await eventually('the welcome mail line', () => collector.lines.some((line) => line.includes(`for ${email} written to`)));
    const from = collector.lines.length;
    const wrongPassword = `wrong-password-${randomUUID()}`;
    const failed = await testApp.client().post(LOGIN, { email, password: wrongPassword }, { headers: { 'user-agent': USER_AGENT } });
    expect(failed.status).toBe(401);
    // Recorded without being awaited (the response must not wait for it): the line comes when the insert has.
    await eventually('the login_failed line', () => eventsOf(user.id).some((event) => event.type === 'login_failed'));
    expect(eventsOf(user.id).filter((event) => event.type === 'login_failed')).toEqual([
      { type: 'login_failed', userId: user.id, sessionId: null, requestId: requestIdOf(failed) },
    ]);
    const output = collector.lines.slice(from).join('\n');
    expect(output).toContain('login_failed');
    expect(output).not.toContain(email);
    expect(output).not.toContain(wrongPassword);
    expect(JSON.stringify(securityLines())).not.toContain(USER_AGENT);
    await expectOneLinePerStoredEvent(user.id);
  });

  it('logs a reset request recorded within the transaction of its single statement, and nothing for an unknown address', async () => {
    const user = await registerUser(testApp);
    const requested = await testApp.client().post(FORGOT, { email: user.email });
    expect(requested.status).toBe(202);
    expect(eventsOf(user.id)).toContainEqual({ type: 'password_reset_requested', userId: user.id, sessionId: null, requestId: requestIdOf(requested) });
    await expectOneLinePerStoredEvent(user.id);

    const unknown = await testApp.client().post(FORGOT, { email: `nobody-${randomUUID()}@example.com` });
    expect(unknown.status).toBe(202);
    expect(securityLines().filter((entry) => entry.event.requestId === requestIdOf(unknown))).toEqual([]);
  });

  it("logs an admin's cut-off: the audit entry (action, actor, target, request id; no details) and the sessions it ended", async () => {
    const admin = await logInAdmin(testApp);
    const target = await logIn(testApp, 'body');
    const disabled = await admin.client.patch(adminUser(target.user.id), { disabled: true });
    expect(disabled.status).toBe(200);
    const requestId = requestIdOf(disabled);
    expect(auditLines().filter((entry) => entry.audit.requestId === requestId)).toEqual([
      expect.objectContaining({ level: 30, msg: 'audit', audit: { action: 'user_disabled', actorId: admin.user.id, targetId: target.user.id, requestId } }),
    ]);
    expect(eventsOf(target.user.id)).toContainEqual({ type: 'session_revoked', userId: target.user.id, sessionId: null, requestId });
    await expectOneLinePerStoredEvent(target.user.id);
  });

  describe('only once the recording transaction has committed', () => {
    it('writes nothing while the transaction is open, one line once it commits, and nothing for one rolled back', async () => {
      const user = await registerUser(testApp);
      const events = testApp.app.get(AuthEventsService);
      const before = eventsOf(user.id).length;

      await testApp.dataSource.transaction(async (manager) => {
        await events.record({ type: 'mfa_failed', userId: user.id }, manager);
        expect(eventsOf(user.id)).toHaveLength(before);
      });
      // Outside a request: no request id.
      expect(eventsOf(user.id).filter((event) => event.type === 'mfa_failed')).toEqual([{ type: 'mfa_failed', userId: user.id, sessionId: null, requestId: null }]);

      await expect(
        testApp.dataSource.transaction(async (manager) => {
          await events.record({ type: 'mfa_locked', userId: user.id }, manager);
          throw new Error('the change fails after its event was recorded');
        }),
      ).rejects.toThrow('the change fails');
      expect(await storedEventsOf(user.id)).not.toContainEqual(expect.objectContaining({ type: 'mfa_locked' }));
      expect(eventsOf(user.id).filter((event) => event.type === 'mfa_locked')).toEqual([]);
      await expectOneLinePerStoredEvent(user.id);
    });
  });

  it('writes every security event line with exactly type, userId, sessionId and requestId', () => {
    const lines = securityLines();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(Object.keys(line.event).sort()).toEqual(['requestId', 'sessionId', 'type', 'userId']);
  });
});
