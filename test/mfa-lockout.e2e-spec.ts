import { ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { startTestApp, TestApp } from './support/test-app';
import { EnabledTotp, enableTotp, expectStatus, queuedMails, recordQueuedMails, TOTP_STEP_MS, totpCode, wrongTotpCode } from './support/totp';
import { LoggedInClient, logIn, TestUser } from './support/users';

/**
 * The lockout of a second factor, on the app's clock: ten wrong codes for one
 * account within 15 minutes lock it for 15 minutes, whatever the IP and MFA
 * token they came with, the account routes that take a code included.
 */

const API = '/api/v1';
const LOGIN = `${API}/auth/login`;
const LOGIN_MFA = `${API}/auth/login/mfa`;
const MFA = `${API}/users/me/mfa`;
const TOTP_ROUTE = `${MFA}/totp`;
const RECOVERY_CODES = `${MFA}/recovery-codes`;
const EVENTS = `${API}/users/me/events?limit=100`;
const BODY = { 'x-token-transport': 'body' };
const MINUTE_MS = 60_000;
const LOCK_MS = 15 * MINUTE_MS;

interface Enabled extends EnabledTotp {
  user: TestUser;
  /** The session that enabled TOTP: aal2. */
  session: LoggedInClient;
}

interface AuthEventItem {
  type: string;
  ip: string | null;
}

describe('the lockout of the second factor', () => {
  let app: TestApp;

  beforeAll(async () => {
    // X-Forwarded-For names the client: each test's wrong codes come from several IPs. The sessions
    // that read the events outlive the minutes the tests let pass (15 by default).
    app = await startTestApp({ TRUST_PROXY: '1', ACCESS_TOKEN_TTL: '1h' });
    // The service's time moves only when a test moves it: a code's period never ends mid-test.
    app.clock.freeze();
    await recordQueuedMails(app.dataSource);
  });
  afterAll(() => app?.close());

  const now = () => app.clock.now();
  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  async function enabledUser(): Promise<Enabled> {
    const session = await logIn(app, 'body');
    return { user: session.user, session, ...(await enableTotp(session.client, session.user.password, now())) };
  }

  /** A right code that no earlier request used: the next period's (accepted, and after the confirming code's period). */
  const rightCode = (secret: string) => totpCode(secret, now() + TOTP_STEP_MS);

  /** The MFA token of a new password login from `ip`. */
  async function mfaToken(user: TestUser, ip: string): Promise<string> {
    const challenge = expectStatus('login', await app.client().post(LOGIN, { email: user.email, password: user.password }, { headers: from(ip) }), 200);
    if (challenge.body.mfaRequired !== true) throw new Error(`login gave no challenge: ${JSON.stringify(challenge.body)}`);
    return challenge.body.mfaToken;
  }

  function completeLogin(mfaTokenValue: string, code: string, ip: string): Promise<ApiResponse> {
    return app.client().post(LOGIN_MFA, { mfaToken: mfaTokenValue, code }, { headers: { ...BODY, ...from(ip) } });
  }

  async function events(session: LoggedInClient): Promise<AuthEventItem[]> {
    return expectStatus('events', await session.client.get(EVENTS), 200).body.items;
  }

  const ofType = (items: AuthEventItem[], type: string) => items.filter((item) => item.type === type);

  function expectLocked(response: ApiResponse, retryAfterSeconds?: number): void {
    expectError(response, 429, 'RATE_LIMITED');
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(900);
    if (retryAfterSeconds !== undefined) expect(retryAfter).toBe(retryAfterSeconds);
  }

  it('locks after the tenth wrong code within 15 minutes, whatever the IP or MFA token (a replay counts), everywhere a code is taken, until 15 minutes after the tenth', async () => {
    const { user, session, secret, confirmCode } = await enabledUser();
    const wrong = wrongTotpCode(secret, now());

    // 1-5: the first token, from one IP; it dies with its fifth wrong code, which is still MFA_CODE_INVALID.
    const first = await mfaToken(user, '198.51.100.1');
    for (let attempt = 1; attempt <= 5; attempt++) expectError(await completeLogin(first, wrong, '198.51.100.1'), 401, 'MFA_CODE_INVALID');
    expectError(await completeLogin(first, rightCode(secret), '198.51.100.1'), 401, 'MFA_TOKEN_INVALID');

    // 6-8: another token, from another IP.
    const second = await mfaToken(user, '198.51.100.2');
    for (let attempt = 6; attempt <= 8; attempt++) expectError(await completeLogin(second, wrong, '198.51.100.2'), 401, 'MFA_CODE_INVALID');

    // 9: disabling with a wrong code, from the aal2 session, from a third IP: counted too, and nothing disabled.
    expectError(await session.client.delete(TOTP_ROUTE, { code: wrong }, { headers: from('198.51.100.3') }), 401, 'MFA_CODE_INVALID');
    expect((await session.client.get(MFA)).body.totp.enabled).toBe(true);

    // 10: a replay of the code that confirmed the enrolment (its period is still current), through a third token, from a fourth IP.
    const third = await mfaToken(user, '198.51.100.4');
    expectError(await completeLogin(third, confirmCode, '198.51.100.4'), 401, 'MFA_CODE_INVALID');

    // Locked: a right code answers 429 on the token that is still live, on a new one, and on the account routes.
    expectLocked(await completeLogin(third, rightCode(secret), '198.51.100.4'), 900);
    const fourth = await mfaToken(user, '198.51.100.5');
    expectLocked(await completeLogin(fourth, rightCode(secret), '198.51.100.5'), 900);
    expectLocked(await completeLogin(fourth, wrong, '198.51.100.5'), 900);
    expectLocked(await session.client.delete(TOTP_ROUTE, { code: rightCode(secret) }), 900);
    expectLocked(await session.client.post(RECOVERY_CODES, { code: rightCode(secret) }), 900);
    expect((await session.client.get(MFA)).body.totp.enabled).toBe(true);
    // The token is checked first: an unknown one is still 401.
    expectError(await completeLogin('not-a-token-of-this-service', rightCode(secret), '198.51.100.5'), 401, 'MFA_TOKEN_INVALID');

    // Ten mfa_failed (none for the attempts refused while locked), from every IP, and one mfa_locked.
    const recorded = await events(session);
    const failed = ofType(recorded, 'mfa_failed');
    expect(failed).toHaveLength(10);
    expect(new Set(failed.map((event) => event.ip))).toEqual(new Set(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']));
    expect(ofType(recorded, 'mfa_locked')).toHaveLength(1);
    expect(ofType(recorded, 'login_succeeded')).toHaveLength(1);
    expect((await queuedMails(app.dataSource, user.id)).filter((mail) => mail.kind === 'mfa_locked')).toEqual([{ kind: 'mfa_locked', recipient: user.email }]);

    // One second before the 15 minutes are up, still locked; then a right code signs in.
    app.clock.advance(LOCK_MS - 1000);
    const afterLock = await mfaToken(user, '198.51.100.6');
    expectLocked(await completeLogin(afterLock, totpCode(secret, now()), '198.51.100.6'), 1);
    app.clock.advance(1000);
    const signedIn = await completeLogin(afterLock, totpCode(secret, now()), '198.51.100.6');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ accessToken: expect.any(String), session: { id: expect.any(String) } });
    const fresh = app.client();
    fresh.bearer = signedIn.body.accessToken;
    expect((await fresh.get(MFA)).body.totp.enabled).toBe(true);
  });

  it('counts wrong codes of login/mfa (any token, replays included), disable and regenerate together towards the lockout; a login in between resets nothing, and a recovery code is refused while locked', async () => {
    const { user, session, secret, recoveryCodes } = await enabledUser();
    // Away from the confirming code's period: the current period's code is one no request used.
    app.clock.advance(10 * TOTP_STEP_MS);
    const ip = '198.51.100.21';
    const wrong = wrongTotpCode(secret, now());

    // 1-3: one token.
    const token = await mfaToken(user, ip);
    for (let attempt = 1; attempt <= 3; attempt++) expectError(await completeLogin(token, wrong, ip), 401, 'MFA_CODE_INVALID');
    // A right code signs in, which resets nothing; its replay, through another token, is the 4th.
    const used = totpCode(secret, now());
    expect((await completeLogin(await mfaToken(user, ip), used, ip)).status).toBe(200);
    expectError(await completeLogin(await mfaToken(user, ip), used, ip), 401, 'MFA_CODE_INVALID');
    // 5-7: disabling; 8-10: regenerating the recovery codes, from the aal2 session.
    for (let attempt = 5; attempt <= 7; attempt++) expectError(await session.client.delete(TOTP_ROUTE, { code: wrong }), 401, 'MFA_CODE_INVALID');
    for (let attempt = 8; attempt <= 10; attempt++) expectError(await session.client.post(RECOVERY_CODES, { code: wrong }), 401, 'MFA_CODE_INVALID');

    // Locked: the next period's code, and a recovery code in `code`, are refused on the account routes and at login/mfa.
    expectLocked(await session.client.delete(TOTP_ROUTE, { code: rightCode(secret) }), 900);
    expectLocked(await session.client.post(RECOVERY_CODES, { code: recoveryCodes[0] }), 900);
    expectLocked(await completeLogin(await mfaToken(user, ip), rightCode(secret), ip), 900);
    // Locked, the factor is still there and the session still works.
    expect((await session.client.get(MFA)).body.totp.enabled).toBe(true);
  });

  it('does not lock for wrong codes spread over more than 15 minutes: 9, then 16 minutes later 9 more', async () => {
    const { user, session, secret } = await enabledUser();

    const first = await mfaToken(user, '203.0.113.1');
    for (let attempt = 1; attempt <= 5; attempt++) expectError(await completeLogin(first, wrongTotpCode(secret, now()), '203.0.113.1'), 401, 'MFA_CODE_INVALID');
    const second = await mfaToken(user, '203.0.113.2');
    for (let attempt = 6; attempt <= 9; attempt++) expectError(await completeLogin(second, wrongTotpCode(secret, now()), '203.0.113.2'), 401, 'MFA_CODE_INVALID');

    app.clock.advance(16 * MINUTE_MS);
    const third = await mfaToken(user, '203.0.113.3');
    for (let attempt = 1; attempt <= 5; attempt++) expectError(await completeLogin(third, wrongTotpCode(secret, now()), '203.0.113.3'), 401, 'MFA_CODE_INVALID');
    const fourth = await mfaToken(user, '203.0.113.4');
    for (let attempt = 6; attempt <= 9; attempt++) expectError(await completeLogin(fourth, wrongTotpCode(secret, now()), '203.0.113.4'), 401, 'MFA_CODE_INVALID');

    // Eighteen wrong codes, never ten within 15 minutes: the right one signs in.
    const signedIn = await completeLogin(fourth, totpCode(secret, now()), '203.0.113.4');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.accessToken).toEqual(expect.any(String));

    const recorded = await events(session);
    expect(ofType(recorded, 'mfa_failed')).toHaveLength(18);
    expect(ofType(recorded, 'mfa_locked')).toEqual([]);
    expect((await queuedMails(app.dataSource, user.id)).map((mail) => mail.kind)).not.toContain('mfa_locked');
  });

  it('counts a wrong code made 14 minutes after nine others as the tenth within the window: it locks', async () => {
    const { user, session, secret } = await enabledUser();

    const first = await mfaToken(user, '192.0.2.1');
    for (let attempt = 1; attempt <= 5; attempt++) expectError(await completeLogin(first, wrongTotpCode(secret, now()), '192.0.2.1'), 401, 'MFA_CODE_INVALID');
    const second = await mfaToken(user, '192.0.2.2');
    for (let attempt = 6; attempt <= 9; attempt++) expectError(await completeLogin(second, wrongTotpCode(secret, now()), '192.0.2.2'), 401, 'MFA_CODE_INVALID');

    app.clock.advance(14 * MINUTE_MS);
    const third = await mfaToken(user, '192.0.2.3');
    expectError(await completeLogin(third, wrongTotpCode(secret, now()), '192.0.2.3'), 401, 'MFA_CODE_INVALID');
    expectLocked(await completeLogin(third, totpCode(secret, now()), '192.0.2.3'), 900);

    const recorded = await events(session);
    expect(ofType(recorded, 'mfa_failed')).toHaveLength(10);
    expect(ofType(recorded, 'mfa_locked')).toHaveLength(1);
  });
});
