import { randomBytes } from 'node:crypto';
import { ADMIN_USERS, adminUser, auditOf, logInAdmin, patchUser, registerAdmin } from './support/admin';
import { ApiClient, ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { eventually } from './support/eventually';
import { ServiceProcess, startSecondInstance } from './support/service-process';
import { startTestApp, TestApp } from './support/test-app';
import { enableTotp, expectStatus, TOTP_STEP_MS, totpCode } from './support/totp';
import { LoggedInClient, logIn, registerUser } from './support/users';

/**
 * Administration with two instances of the service on one PostgreSQL
 * database (this process's app A and a second process B, as in a deployment):
 * a change made through one instance ends the sessions the other one serves
 * from its caches, and every way in through the other is refused while the
 * account is disabled; re-enabling through either lets the user back in.
 * Needs TEST_DATABASE_URL (an embedded database belongs to one process).
 */

const API = '/api/v1';
const ME = `${API}/users/me`;
const LOGIN = `${API}/auth/login`;
const LOGIN_MFA = `${API}/auth/login/mfa`;
const REFRESH = `${API}/auth/refresh`;
const BODY = { 'x-token-transport': 'body' };
const RACES = 6;

const twoInstances = process.env.TEST_DATABASE_URL ? describe : describe.skip;

twoInstances('administration across two instances on one PostgreSQL (needs TEST_DATABASE_URL)', () => {
  let a: TestApp;
  // A process of its own, as in a deployment (Passport's strategies are process-wide).
  let b: ServiceProcess;
  /** An admin signed in through A; `adminOnB` is the same admin's session through B. */
  let adminOnA: LoggedInClient;
  let adminOnB: LoggedInClient;

  beforeAll(async () => {
    // One key for the deployment's TOTP secrets: a code sent to B checks a secret A sealed.
    const mfaKey = { MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    a = await startTestApp(mfaKey);
    b = await startSecondInstance(a, mfaKey);
    const admin = await registerAdmin(a);
    adminOnA = await logIn(a, 'body', admin);
    adminOnB = await logIn(b, 'body', admin);
  }, 120_000);
  afterAll(async () => {
    await b?.stop();
    await a?.close();
  });

  /** The same access token, sent to `instance`. */
  function withToken(instance: Pick<TestApp, 'client'>, accessToken: string): ApiClient {
    const client = instance.client();
    client.bearer = accessToken;
    return client;
  }

  /** Waits until `client`'s token is refused (401 SESSION_REVOKED) by the instance it talks to. */
  async function eventuallyEnded(client: ApiClient, what: string): Promise<void> {
    await eventually(what, async () => (await client.get(ME)).status === 401);
    expectError(await client.get(ME), 401, 'SESSION_REVOKED');
  }

  function login(instance: Pick<TestApp, 'client'>, user: { email: string; password: string }, password = user.password): Promise<ApiResponse> {
    return instance.client().post(LOGIN, { email: user.email, password }, { headers: BODY });
  }

  async function liveSessions(userId: string): Promise<number> {
    const [{ live }] = await a.dataSource.query(`SELECT count(*)::int AS live FROM key_store WHERE user_id = $1 AND status = 'active'`, [userId]);
    return live;
  }

  it('disabling through A ends the session B serves from its cache, and B refuses every way back in with 403 ACCOUNT_DISABLED', async () => {
    const target = await logIn(a, 'body');
    const onB = withToken(b, target.login.body.accessToken);
    expect((await onB.get(ME)).status).toBe(200);

    expectStatus('disable', await patchUser(adminOnA.client, target.user.id, { disabled: true }), 200);
    expectError(await target.client.get(ME), 401, 'SESSION_REVOKED');
    await eventuallyEnded(onB, 'instance B to refuse the disabled user’s token');
    expectError(await login(b, target.user), 403, 'ACCOUNT_DISABLED');
    expectError(await login(b, target.user, 'not the right password'), 401, 'INVALID_CREDENTIALS');
    expectError(await b.client().post(REFRESH, { refreshToken: target.refreshToken }), 403, 'ACCOUNT_DISABLED');
    expect((await adminOnB.client.get(adminUser(target.user.id))).body).toEqual(expect.objectContaining({ disabled: true, activeSessions: 0 }));
  });

  it('a code sent to B after A disabled the account between the two steps of a login is refused with 403 ACCOUNT_DISABLED', async () => {
    const enabling = await logIn(a, 'body');
    const { secret } = await enableTotp(enabling.client, enabling.user.password, Date.now());
    const challenge = expectStatus('login', await login(b, enabling.user), 200);
    expect(challenge.body.mfaRequired).toBe(true);
    expectStatus('disable', await patchUser(adminOnA.client, enabling.user.id, { disabled: true }), 200);
    // The next period's code: the confirming code's period counts as used.
    const answer = await b.client().post(LOGIN_MFA, { mfaToken: challenge.body.mfaToken, code: totpCode(secret, Date.now() + TOTP_STEP_MS) }, { headers: BODY });
    expectError(answer, 403, 'ACCOUNT_DISABLED');
  });

  it('re-enabling through B lets the user sign in through either instance; the session of before stays ended on both', async () => {
    const target = await logIn(a, 'body');
    const onB = withToken(b, target.login.body.accessToken);
    expect((await onB.get(ME)).status).toBe(200);
    expectStatus('disable', await patchUser(adminOnA.client, target.user.id, { disabled: true }), 200);
    await eventuallyEnded(onB, 'instance B to refuse the disabled user’s token');

    expectStatus('re-enable', await patchUser(adminOnB.client, target.user.id, { disabled: false }), 200);
    const throughB = expectStatus('login on B', await login(b, target.user), 200);
    const throughA = expectStatus('login on A', await login(a, target.user), 200);
    for (const [instance, token] of [
      [a, throughB.body.accessToken],
      [b, throughA.body.accessToken],
    ] as const) {
      expect((await withToken(instance, token).get(ME)).status).toBe(200);
    }
    expectError(await target.client.get(ME), 401, 'SESSION_REVOKED');
    expectError(await onB.get(ME), 401, 'SESSION_REVOKED');
    expectError(await a.client().post(REFRESH, { refreshToken: target.refreshToken }), 401, 'SESSION_REVOKED');
  });

  it('a change of roles through B ends the session A serves; the next login through A carries the new roles', async () => {
    const target = await logIn(a, 'body');
    expect((await target.client.get(ME)).body.roles).toEqual(['user']);
    expectStatus('roles', await patchUser(adminOnB.client, target.user.id, { roles: ['user', 'admin'] }), 200);
    await eventuallyEnded(target.client, 'instance A to refuse the token that carried the old roles');
    const again = await logIn(a, 'body', target.user);
    expect((await again.client.get(ME)).body.roles).toEqual(['user', 'admin']);
    expect((await withToken(b, again.login.body.accessToken).get(ADMIN_USERS)).status).toBe(200);
  });

  it('ending sessions and removing the second factor through one instance end the sessions the other serves', async () => {
    const enabling = await logIn(a, 'body');
    const { user } = enabling;
    await enableTotp(enabling.client, user.password, Date.now());
    const onB = withToken(b, enabling.login.body.accessToken);
    expect((await onB.get(ME)).status).toBe(200);
    expect((await adminOnA.client.delete(`${adminUser(user.id)}/mfa`)).status).toBe(204);
    await eventuallyEnded(onB, 'instance B to refuse the token after the second factor was removed');

    const again = await logIn(a, 'body', user);
    expect((await again.client.get(ME)).status).toBe(200);
    expect((await adminOnB.client.delete(`${API}/users/${user.id}/sessions`)).status).toBe(204);
    await eventuallyEnded(again.client, 'instance A to refuse the token after B ended the sessions');
    expect((await auditOf(adminOnA.client, { target: user.id })).map((entry) => [entry.action, entry.details])).toEqual([
      ['sessions_ended', { sessions: 1 }],
      ['mfa_reset', {}],
    ]);
  });

  it(`a login or a refresh through B racing the disabling through A never leaves a live session (${RACES} races each)`, async () => {
    for (let race = 0; race < RACES; race++) {
      const user = await registerUser(a);
      const session = await logIn(a, 'body', user);
      const [refreshed, loggedIn, disabled] = await Promise.all([
        b.client().post(REFRESH, { refreshToken: session.refreshToken }),
        login(b, user),
        patchUser(adminOnA.client, user.id, { disabled: true }),
      ]);
      expect(disabled.status).toBe(200);
      expect([200, 401, 403]).toContain(refreshed.status);
      expect([200, 403]).toContain(loggedIn.status);
      expect(await liveSessions(user.id)).toBe(0);
      for (const answer of [refreshed, loggedIn].filter((response) => response.status === 200)) {
        await eventuallyEnded(withToken(b, answer.body.accessToken), 'instance B to refuse a session that started as the account was disabled');
        expectError(await withToken(a, answer.body.accessToken).get(ME), 401, 'SESSION_REVOKED');
      }
      expectError(await login(b, user), 403, 'ACCOUNT_DISABLED');
    }
  }, 120_000);

  it('keeps one audit log for the deployment: entries written through either instance, newest first', async () => {
    const target = await registerUser(a);
    expectStatus('on A', await patchUser(adminOnA.client, target.id, { roles: ['user', 'support'] }), 200);
    expectStatus('on B', await patchUser(adminOnB.client, target.id, { disabled: true }), 200);
    expectStatus('on A', await adminOnA.client.delete(adminUser(target.id)), 204);
    for (const admin of [adminOnA, adminOnB]) {
      expect((await auditOf(admin.client, { target: target.id })).map((entry) => entry.action)).toEqual(['user_deleted', 'user_disabled', 'roles_changed']);
    }
  });

  it('the admin API on B refuses a user without the role, as on A', async () => {
    const plain = await logIn(b, 'body', await registerUser(a));
    expectError(await plain.client.get(ADMIN_USERS), 403, 'FORBIDDEN');
    const admin = await logInAdmin(a);
    expect((await withToken(b, admin.login.body.accessToken).get(ADMIN_USERS)).status).toBe(200);
  });
});
