import { randomBytes, randomUUID } from 'node:crypto';
import {
  ADMIN_SESSION_KEYS,
  ADMIN_USER_DETAILS_KEYS,
  ADMIN_USER_KEYS,
  ADMIN_USERS,
  AdminUser,
  adminUser,
  allPages,
  AUDIT,
  AUDIT_ENTRY_KEYS,
  AuditEntry,
  auditOf,
  detailsOf,
  logInAdmin,
  pageOf,
  patchUser,
  propertyNames,
  registerAdmin,
  withQuery,
} from './support/admin';
import type { MfaProof } from '../src/mfa';
import { ApiClient, ApiResponse, parseSetCookie } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { freePort } from './support/free-port';
import { callbackUrl, followOidcFlow, newIdpAccount, providerEnv, TestIdp, TestIdpAccount } from './support/oidc-idp';
import { productionEnv } from './support/production-env';
import { SmtpReceiver } from './support/smtp-receiver';
import { addPasskey, passkeyLogIn, SoftAuthenticator, TEST_RELYING_PARTY } from './support/soft-authenticator';
import { startTestApp, TestApp } from './support/test-app';
import { EnabledTotp, enableTotp, expectStatus, queuedMails, recordQueuedMails, TOTP_STEP_MS, totpCode } from './support/totp';
import { LoggedInClient, logIn, registerUser, TestUser } from './support/users';

/**
 * Administration (API.md "Administration") on one instance: who may use the
 * admin API, the directory (search, keyset pages that hold while accounts are
 * created), one user's details, changing roles, disabling and re-enabling
 * (every way in refused with 403 ACCOUNT_DISABLED), mass assignment, removing
 * the second factor, ending sessions (and the older alias), deleting, the
 * append-only audit log, the last-admin rule and ADMIN_REQUIRE_MFA.
 */

const API = '/api/v1';
const LOGIN = `${API}/auth/login`;
const LOGIN_MFA = `${API}/auth/login/mfa`;
const REFRESH = `${API}/auth/refresh`;
const LOGOUT = `${API}/auth/logout`;
const ME = `${API}/users/me`;
const BODY = { 'x-token-transport': 'body' };
const SESSION_COOKIES = ['__Host-access_token', '__Host-csrf_token', '__Secure-refresh_token'];
const IDP_CLIENT = { clientId: 'auth-service', clientSecret: 'the auth service secret at the test IdP' };
const NEW_PASSWORD = 'a new and much better passphrase';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOOPBACK = /127\.0\.0\.1/;
/** Property names that would carry a credential or what proves one. */
const SECRET_NAMES = /hash|secret|publickey|credential|token|^password$|^code|codes$|^key|key$/i;

const sessionsPath = (id: string) => `${adminUser(id)}/sessions`;
const mfaPath = (id: string) => `${adminUser(id)}/mfa`;
/** The older route, kept as an alias of DELETE /admin/users/:id/sessions. */
const aliasPath = (id: string) => `${API}/users/${id}/sessions`;
const uniqueEmail = (label: string) => `${label}-${randomUUID()}@example.com`;
const tag = () => randomBytes(5).toString('hex');

/** Every admin route, as a request of `client` about the user `id`. */
function adminRoutes(id: string): Array<[string, (client: ApiClient) => Promise<ApiResponse>]> {
  return [
    ['GET /admin/users', (client) => client.get(ADMIN_USERS)],
    ['GET /admin/users/:id', (client) => client.get(adminUser(id))],
    ['PATCH /admin/users/:id (roles)', (client) => patchUser(client, id, { roles: ['user', 'admin'] })],
    ['PATCH /admin/users/:id (disabled)', (client) => patchUser(client, id, { disabled: true })],
    ['DELETE /admin/users/:id/mfa', (client) => client.delete(mfaPath(id))],
    ['DELETE /admin/users/:id/sessions', (client) => client.delete(sessionsPath(id))],
    ['DELETE /users/:id/sessions (alias)', (client) => client.delete(aliasPath(id))],
    ['DELETE /admin/users/:id', (client) => client.delete(adminUser(id))],
    ['GET /admin/audit', (client) => client.get(AUDIT)],
  ];
}

function bearerClient(service: Pick<TestApp, 'client'>, accessToken: string): ApiClient {
  const client = service.client();
  client.bearer = accessToken;
  return client;
}

/** The access token of `session` is refused at once: its session has ended. */
async function expectEnded(session: Pick<LoggedInClient, 'client'>): Promise<void> {
  expectError(await session.client.get(ME), 401, 'SESSION_REVOKED');
}

async function expectLive(session: Pick<LoggedInClient, 'client'>): Promise<void> {
  expect((await session.client.get(ME)).status).toBe(200);
}

/** [action, details] of each entry, newest first: what the log says happened. */
const actionsOf = (entries: AuditEntry[]) => entries.map((entry) => [entry.action, entry.details]);

describe('administration', () => {
  const smtp = new SmtpReceiver();
  let idp: TestIdp;
  let app: TestApp;
  let appUrl: string;
  /** The admin most tests act as (password session, body transport: aal1, which ADMIN_REQUIRE_MFA=false allows). */
  let admin: LoggedInClient;

  beforeAll(async () => {
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    idp = await TestIdp.start({ clients: [{ ...IDP_CLIENT, redirectUris: [callbackUrl(appUrl, 'idp')] }] });
    app = await startTestApp(
      {
        ...TEST_RELYING_PARTY,
        OIDC_PROVIDERS: 'idp',
        ...providerEnv('idp', idp.issuer, IDP_CLIENT),
        PUBLIC_URL: appUrl,
        APP_URL: appUrl,
        SMTP_URL: await smtp.start(),
      },
      { port },
    );
    await recordQueuedMails(app.dataSource);
    admin = await logInAdmin(app);
  });
  afterAll(async () => {
    await app?.close();
    await idp?.stop();
    await smtp.stop();
  });

  /** A new user with TOTP enabled (the enabling session is aal2). */
  async function totpUser(): Promise<LoggedInClient & EnabledTotp> {
    const session = await logIn(app, 'body');
    return { ...session, ...(await enableTotp(session.client, session.user.password, app.clock.now())) };
  }

  /** Password, then (after `between`) a code of a time step not used yet (the app's clock moves one step on): the answer to the code. */
  async function totpLogIn(user: TestUser, secret: string, between: () => Promise<unknown> = async () => undefined): Promise<ApiResponse> {
    const challenge = expectStatus('login', await app.client().post(LOGIN, { email: user.email, password: user.password }), 200);
    expect(challenge.body.mfaRequired).toBe(true);
    await between();
    app.clock.advance(TOTP_STEP_MS);
    return secondStep(challenge, { code: totpCode(secret, app.clock.now()) });
  }

  /** The second step of the login that answered `challenge`, with a TOTP or a recovery code. */
  function secondStep(challenge: ApiResponse, proof: MfaProof): Promise<ApiResponse> {
    return app.client().post(LOGIN_MFA, { mfaToken: challenge.body.mfaToken, ...proof }, { headers: BODY });
  }

  /** A whole sign-in with `account` at the provider, in a new browser: its client and the callback's answer. */
  async function idpSignIn(account: TestIdpAccount): Promise<{ client: ApiClient; callback: ApiResponse }> {
    const client = app.client();
    const start = expectStatus('start', await client.get(`${API}/auth/oidc/idp?returnTo=${encodeURIComponent(`${appUrl}/signed-in`)}`), 302);
    await idp.nextLogin(account);
    const callback = await followOidcFlow(client, start);
    const csrf = client.cookie('__Host-csrf_token');
    if (csrf) client.csrfToken = csrf;
    return { client, callback };
  }

  function login(user: TestUser, password = user.password, headers: Record<string, string> = BODY): Promise<ApiResponse> {
    return app.client().post(LOGIN, { email: user.email, password }, { headers });
  }

  async function disable(id: string, disabled = true): Promise<ApiResponse> {
    return expectStatus(disabled ? 'disable' : 're-enable', await patchUser(admin.client, id, { disabled }), 200);
  }

  async function entriesAbout(id: string): Promise<AuditEntry[]> {
    return auditOf(admin.client, { target: id });
  }

  describe('who may use it', () => {
    it('answers 401 TOKEN_MISSING on every admin route without a token', async () => {
      const target = await registerUser(app);
      for (const [route, request] of adminRoutes(target.id)) {
        const response = await request(app.client());
        expect({ route, status: response.status, code: response.body?.code }).toEqual({ route, status: 401, code: 'TOKEN_MISSING' });
      }
    });

    it.each([
      ['a user (body transport)', ['user'], 'body'],
      ['a user (cookie transport)', ['user'], 'cookie'],
      ['a user with other roles', ['user', 'support', 'auditor'], 'body'],
    ] as const)('answers 403 FORBIDDEN on every admin route to %s, and changes nothing', async (_label, roles, transport) => {
      const plain = await logIn(app, transport, await registerUser(app, { roles: [...roles] }));
      const target = await totpUser();
      const before = await detailsOf(admin.client, target.user.id);
      const entriesBefore = await entriesAbout(target.user.id);
      for (const [route, request] of adminRoutes(target.user.id)) {
        const response = await request(plain.client);
        expect({ route, status: response.status, code: response.body?.code }).toEqual({ route, status: 403, code: 'FORBIDDEN' });
        expectError(response, 403, 'FORBIDDEN');
      }
      expect(await detailsOf(admin.client, target.user.id)).toEqual(before);
      await expectLive(target);
      expect(await entriesAbout(target.user.id)).toEqual(entriesBefore);
    });

    it('serves an admin in cookie transport, whose changes need the CSRF token as every unsafe request does', async () => {
      const cookieAdmin = await logInAdmin(app, 'cookie');
      const target = await logIn(app, 'body');
      expect((await cookieAdmin.client.get(adminUser(target.user.id))).status).toBe(200);
      const csrfToken = cookieAdmin.client.csrfToken;
      cookieAdmin.client.csrfToken = undefined;
      expectError(await patchUser(cookieAdmin.client, target.user.id, { disabled: true }), 403, 'CSRF_TOKEN_INVALID');
      expectError(await cookieAdmin.client.delete(sessionsPath(target.user.id)), 403, 'CSRF_TOKEN_INVALID');
      await expectLive(target);
      cookieAdmin.client.csrfToken = csrfToken;
      expect((await cookieAdmin.client.delete(sessionsPath(target.user.id))).status).toBe(204);
      await expectEnded(target);
    });
  });

  describe('GET /admin/users: the directory', () => {
    it('lists each user as the profile of GET /users/me plus disabled, lastLoginAt and activeSessions', async () => {
      const email = uniqueEmail('listed');
      const user = await registerUser(app, { email, name: 'Listed Person' });
      const first = await logIn(app, 'body', user);
      const second = await logIn(app, 'cookie', user);
      const profile = expectStatus('me', await first.client.get(ME), 200).body;
      const { items } = await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q: email });
      expect(items).toHaveLength(1);
      expect(Object.keys(items[0]).sort()).toEqual(ADMIN_USER_KEYS);
      expect(items[0]).toEqual({ ...profile, disabled: false, lastLoginAt: expect.any(String), activeSessions: 2 });
      // When the latest session started.
      const sessions = expectStatus('sessions', await first.client.get(`${API}/auth/sessions`), 200).body as Array<{ id: string; createdAt: string }>;
      expect(items[0].lastLoginAt).toBe(sessions.find((session) => session.id === second.sessionId)!.createdAt);
      expect(propertyNames(items[0]).filter((name) => SECRET_NAMES.test(name))).toEqual([]);
    });

    it('shows an account that never signed in with lastLoginAt null and no sessions', async () => {
      const user = await registerUser(app);
      const { items } = await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q: user.email });
      expect(items).toEqual([expect.objectContaining({ id: user.id, lastLoginAt: null, activeSessions: 0, disabled: false })]);
    });

    it('finds users by the start of their address, whatever its case and surrounding spaces, and not by a part inside it', async () => {
      const prefix = `prefix-${tag()}`;
      const users = [await registerUser(app, { email: `${prefix}-a@example.com` }), await registerUser(app, { email: `${prefix}-b@example.com` })];
      const inside = await registerUser(app, { email: `other-${prefix}@example.com` });
      const ids = users.map((user) => user.id).sort();
      for (const q of [prefix, prefix.toUpperCase(), `  ${prefix}-  `]) {
        const { items } = await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q });
        expect({ q, ids: items.map((item) => item.id).sort() }).toEqual({ q, ids });
      }
      const { items } = await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q: `${prefix}@example.com` });
      expect(items.map((item) => item.id)).not.toContain(inside.id);
    });

    it('finds users by any part of their name, whatever its case', async () => {
      const mark = tag();
      const ada = await registerUser(app, { name: `Ada Lovelace ${mark}` });
      const grace = await registerUser(app, { name: `Grace ${mark} Hopper` });
      const ids = [ada.id, grace.id].sort();
      for (const q of [mark, mark.toUpperCase(), `lace ${mark}`.toUpperCase()]) {
        const { items } = await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q });
        expect({ q, ids: items.map((item) => item.id).sort() }).toEqual({ q, ids: q.startsWith('LACE') ? [ada.id] : ids });
      }
    });

    it('matches names case-insensitively beyond ASCII', async () => {
      const mark = tag();
      const elodie = await registerUser(app, { name: `Élodie Ørsted ${mark}` });
      for (const q of [`élodie ørsted ${mark}`, `ÉLODIE ØRSTED ${mark}`]) {
        expect({ q, ids: (await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q })).items.map((item) => item.id) }).toEqual({ q, ids: [elodie.id] });
      }
    });

    it('takes % and _ in q literally', async () => {
      const prefix = `literal-${tag()}`;
      await registerUser(app, { email: `${prefix}x1@example.com`, name: `Wild ${prefix} card` });
      for (const q of [`${prefix}%`, `${prefix}_1`, `${prefix}%@`]) {
        expect({ q, items: (await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q })).items }).toEqual({ q, items: [] });
      }
      const percent = await registerUser(app, { name: `Fifty ${prefix}%_off` });
      expect((await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q: `${prefix}%_` })).items.map((item) => item.id)).toEqual([percent.id]);
    });

    it('pages newest first with a default of 20 and at most 100 per page; nextCursor is null on the last page', async () => {
      const prefix = `limits-${tag()}`;
      await app.dataSource.query(`INSERT INTO users (email, password_hash) SELECT $1 || '-' || n || '@example.com', 'not-a-hash' FROM generate_series(1, 25) n`, [
        prefix,
      ]);
      const first = await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q: prefix });
      expect(first.items).toHaveLength(20);
      expect(first.nextCursor).toEqual(expect.any(String));
      const rest = await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q: prefix, cursor: first.nextCursor! });
      expect(rest.items).toHaveLength(5);
      expect(rest.nextCursor).toBeNull();
      const whole = await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q: prefix, limit: 100 });
      expect(whole.items.map((item) => item.id)).toEqual([...first.items, ...rest.items].map((item) => item.id));
      expect(whole.nextCursor).toBeNull();
    });

    it('pages through a search while users are being created: every user that existed once, no duplicates, the new ones only at the front', async () => {
      const prefix = `paging-${tag()}`;
      const registered = await Promise.all(Array.from({ length: 8 }, (_, n) => registerUser(app, { email: `${prefix}-reg-${n}@example.com` })));
      // Rows of one statement share created_at: only the id tells them apart.
      const inserted: Array<{ id: string }> = await app.dataSource.query(
        `INSERT INTO users (email, password_hash) SELECT $1 || '-sql-' || n || '@example.com', 'not-a-hash' FROM generate_series(1, 12) n RETURNING id::text AS id`,
        [prefix],
      );
      const existing = [...registered.map((user) => user.id), ...inserted.map((row) => row.id)];
      const created: string[] = [];
      const createTwo = async () => {
        const users = await Promise.all([0, 1].map(() => registerUser(app, { email: `${prefix}-new-${randomUUID()}@example.com` })));
        created.push(...users.map((user) => user.id));
      };

      // One registration runs alongside each page request; two more land between pages.
      const pages: AdminUser[][] = [];
      let cursor: string | undefined;
      do {
        const [page] = await Promise.all([pageOf<AdminUser>(admin.client, ADMIN_USERS, { q: prefix, limit: 3, cursor }), createTwo()]);
        pages.push(page.items);
        cursor = page.nextCursor ?? undefined;
        await createTwo();
      } while (cursor);

      const seen = pages.flat().map((item) => item.id);
      expect(seen.length).toBe(new Set(seen).size);
      expect(seen.filter((id) => existing.includes(id)).sort()).toEqual([...existing].sort());
      const extra = seen.filter((id) => !existing.includes(id));
      expect(extra.every((id) => created.includes(id))).toBe(true);
      expect(
        pages
          .slice(1)
          .flat()
          .filter((item) => !existing.includes(item.id)),
      ).toEqual([]);
      // Newest first; within one instant, by id (descending).
      const times = pages.flat().map((item) => Date.parse(item.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      const sqlOrder = seen.filter((id) => inserted.some((row) => row.id === id));
      expect(sqlOrder).toEqual([...sqlOrder].sort().reverse());
      // The users made meanwhile are at the front of a new search.
      const again = (await allPages<AdminUser>(admin.client, ADMIN_USERS, { q: prefix, limit: 100 })).flat().map((item) => item.id);
      expect(again.slice(0, created.length).sort()).toEqual([...created].sort());
      expect(again).toHaveLength(existing.length + created.length);
    }, 120_000);

    it.each([
      ['limit=0', { limit: '0' }],
      ['limit=101', { limit: '101' }],
      ['limit=-1', { limit: '-1' }],
      ['limit=1.5', { limit: '1.5' }],
      ['limit=ten', { limit: 'ten' }],
      ['a cursor that is no cursor', { cursor: 'not-a-cursor' }],
      ['a cursor of another shape', { cursor: Buffer.from('{"at":"yesterday","id":42}').toString('base64url') }],
      ['a cursor of the right shape with an impossible time', { cursor: Buffer.from(`2024-13-45T25:61:61.000000Z|${randomUUID()}`).toString('base64url') }],
      ['a q of 255 characters', { q: 'a'.repeat(255) }],
    ])('answers 400 VALIDATION_FAILED for %s', async (_label, params) => {
      expectError(await admin.client.get(withQuery(ADMIN_USERS, params)), 400, 'VALIDATION_FAILED');
    });

    it.each(['q=%00', 'q=ann%00', 'cursor=%00', 'limit=1%00'])('answers 400 VALIDATION_FAILED, never 500, to ?%s', async (query) => {
      expectError(await admin.client.get(`${ADMIN_USERS}?${query}`), 400, 'VALIDATION_FAILED');
    });
  });

  describe('GET /admin/users/:id: one user', () => {
    it('shows the sessions, the second factor, the passkey count and the identities, and never a hash, secret, key or code', async () => {
      const browser = await logIn(app, 'cookie');
      const { user } = browser;
      const account = newIdpAccount();
      const started = expectStatus('start link', await browser.client.post(`${API}/users/me/identities/idp`, { password: user.password }), 200);
      await idp.nextLogin(account);
      expect((await followOidcFlow(browser.client, started)).status).toBe(302);
      const totp = await enableTotp(browser.client, user.password, app.clock.now());
      const phone = new SoftAuthenticator();
      const { credential } = await addPasskey(browser.client, user.password, phone);
      const withCode = expectStatus('login/mfa', await totpLogIn(user, totp.secret), 200);
      const ended = expectStatus('passkey login', (await passkeyLogIn(app, phone, {}, BODY)).response, 200);
      expect((await bearerClient(app, ended.body.accessToken).post(LOGOUT)).status).toBe(204);
      app.clock.advance(1000);
      expectStatus('refresh', await browser.client.post(REFRESH), 200);

      const response = await admin.client.get(adminUser(user.id));
      expect(response.status).toBe(200);
      const details = response.body;
      expect(Object.keys(details).sort()).toEqual(ADMIN_USER_DETAILS_KEYS);
      expect(details).toEqual(
        expect.objectContaining({ id: user.id, email: user.email, mfaEnabled: true, hasPassword: true, disabled: false, activeSessions: 2, passkeys: 1 }),
      );
      // Live sessions only, the most recently used first.
      expect(details.sessions.map((session: { id: string }) => session.id)).toEqual([browser.sessionId, withCode.body.session.id]);
      for (const session of details.sessions) {
        expect(Object.keys(session).sort()).toEqual(ADMIN_SESSION_KEYS);
        expect(session).toEqual(expect.objectContaining({ aal: 'aal2', ip: expect.stringMatching(LOOPBACK) }));
      }
      expect(details.sessions[1].amr).toEqual(['pwd', 'otp']);
      expect(details.mfa).toEqual({ totp: { enabled: true, createdAt: expect.any(String) }, recoveryCodesRemaining: 10 });
      expect(details.identities).toEqual([
        { id: expect.stringMatching(UUID), provider: 'idp', subject: account.sub, email: account.email, linkedAt: expect.any(String) },
      ]);
      // When the latest session started: the passkey's, ended since.
      const [{ at }] = await app.dataSource.query('SELECT max(created_at) AS at FROM key_store WHERE user_id = $1', [user.id]);
      expect(details.lastLoginAt).toBe(new Date(at).toISOString());

      const text = JSON.stringify(details);
      const names = propertyNames(details);
      for (const name of [
        'password_hash',
        'passwordHash',
        'password',
        'secret',
        'keyHash',
        'key_hash',
        'accessKeyHash',
        'refreshKeyHash',
        'csrfTokenHash',
        'publicKey',
        'credentialId',
      ]) {
        expect(names).not.toContain(name);
      }
      expect(names.filter((name) => SECRET_NAMES.test(name))).toEqual([]);
      for (const value of [totp.secret, ...totp.recoveryCodes, credential.id, '$argon2', withCode.body.accessToken, withCode.body.refreshToken]) {
        expect(text).not.toContain(value);
      }
    });

    it('answers 404 NOT_FOUND for an unknown id and 400 VALIDATION_FAILED for one that is not a uuid', async () => {
      expectError(await admin.client.get(adminUser(randomUUID())), 404, 'NOT_FOUND');
      expectError(await admin.client.get(adminUser('not-a-uuid')), 400, 'VALIDATION_FAILED');
    });

    it('accepts an id in upper case', async () => {
      const user = await registerUser(app);
      expect((await detailsOf(admin.client, user.id.toUpperCase())).id).toBe(user.id);
    });
  });

  describe('PATCH /admin/users/:id: roles', () => {
    it('replaces the roles and ends every session of the user at once; the next login carries the new roles', async () => {
      const phone = await logIn(app, 'body');
      const laptop = await logIn(app, 'cookie', phone.user);
      const response = await patchUser(admin.client, phone.user.id, { roles: ['user', 'support'] });
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(ADMIN_USER_DETAILS_KEYS);
      expect(response.body).toEqual(expect.objectContaining({ id: phone.user.id, roles: ['user', 'support'], activeSessions: 0, sessions: [] }));
      await expectEnded(phone);
      await expectEnded(laptop);
      expectError(await app.client().post(REFRESH, { refreshToken: phone.refreshToken }), 401, 'SESSION_REVOKED');
      const again = await logIn(app, 'body', phone.user);
      expect((await again.client.get(ME)).body.roles).toEqual(['user', 'support']);
      await expectLive(admin);
    });

    it('makes an admin of a user, who may use the admin API from the next login', async () => {
      const user = await logIn(app, 'body');
      expectError(await user.client.get(ADMIN_USERS), 403, 'FORBIDDEN');
      expectStatus('grant', await patchUser(admin.client, user.user.id, { roles: ['user', 'admin'] }), 200);
      const again = await logIn(app, 'body', user.user);
      expect((await again.client.get(ADMIN_USERS)).status).toBe(200);
    });

    it.each([
      ['not an array', { roles: 'admin' }],
      ['a name in upper case', { roles: ['user', 'Admin'] }],
      ['a name starting with a digit', { roles: ['1st'] }],
      ['a name with a space', { roles: ['a role'] }],
      ['a name of 33 characters', { roles: [`r${'x'.repeat(32)}`] }],
      ['a name twice', { roles: ['user', 'user'] }],
      ['21 roles', { roles: Array.from({ length: 21 }, (_, n) => `role${n}`) }],
      ['a number', { roles: [1] }],
      ['null', { roles: null }],
    ])('answers 400 VALIDATION_FAILED for roles: %s, and changes nothing', async (_label, body) => {
      const session = await logIn(app, 'body');
      expectError(await patchUser(admin.client, session.user.id, body), 400, 'VALIDATION_FAILED');
      expect((await detailsOf(admin.client, session.user.id)).roles).toEqual(['user']);
      await expectLive(session);
    });

    it('accepts 20 roles of 32 characters', async () => {
      const user = await registerUser(app);
      const roles = Array.from({ length: 20 }, (_, n) => `r${String(n).padStart(2, '0')}${'x'.repeat(29)}`);
      expect((await patchUser(admin.client, user.id, { roles })).body.roles).toEqual(roles);
    });

    it('answers 404 NOT_FOUND for an unknown user and 400 VALIDATION_FAILED for an id that is not a uuid', async () => {
      expectError(await patchUser(admin.client, randomUUID(), { roles: ['user'] }), 404, 'NOT_FOUND');
      expectError(await patchUser(admin.client, 'not-a-uuid', { disabled: true }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('PATCH /admin/users/:id: nothing but roles and disabled (mass assignment)', () => {
    it.each([
      ['email', { email: 'taken-over@example.com' }],
      ['password', { password: NEW_PASSWORD }],
      ['passwordHash', { passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA' }],
      ['mfaEnabled', { mfaEnabled: false }],
      ['emailVerified', { emailVerified: true }],
      ['id', { id: randomUUID() }],
      ['hasPassword', { hasPassword: false }],
      ['name', { name: 'Renamed by an admin' }],
      ['createdAt', { createdAt: '2000-01-01T00:00:00.000Z' }],
      ['lastLoginAt', { lastLoginAt: null }],
      ['securityStamp', { securityStamp: 0 }],
      ['email beside an allowed change', { disabled: true, email: 'taken-over@example.com' }],
      ['emailVerified beside roles', { roles: ['user', 'admin'], emailVerified: true }],
      ['disabled as a string', { disabled: 'true' }],
      ['disabled as null', { disabled: null }],
      ['a JSON array', [{ disabled: true }]],
    ])('answers 400 VALIDATION_FAILED to %s, and changes nothing', async (_label, body) => {
      const { user, client } = await totpUser();
      const before = await detailsOf(admin.client, user.id);
      expectError(await patchUser(admin.client, user.id, body), 400, 'VALIDATION_FAILED');
      expect(await detailsOf(admin.client, user.id)).toEqual(before);
      expect((await client.get(ME)).status).toBe(200);
      expect(await entriesAbout(user.id)).toEqual([]);
      expect(before).toEqual(expect.objectContaining({ email: user.email, emailVerified: false, mfaEnabled: true, disabled: false, roles: ['user'] }));
    });
  });

  describe('PATCH /admin/users/:id: disabled', () => {
    it('disabling ends every session at once; the directory and the details say disabled', async () => {
      const phone = await logIn(app, 'body');
      const laptop = await logIn(app, 'cookie', phone.user);
      const response = await patchUser(admin.client, phone.user.id, { disabled: true });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expect.objectContaining({ id: phone.user.id, disabled: true, activeSessions: 0, sessions: [] }));
      await expectEnded(phone);
      await expectEnded(laptop);
      expect((await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q: phone.user.email })).items).toEqual([
        expect.objectContaining({ id: phone.user.id, disabled: true, activeSessions: 0 }),
      ]);
      expect((await detailsOf(admin.client, phone.user.id)).disabled).toBe(true);
    });

    it('login: 403 ACCOUNT_DISABLED with the right password (no session, no cookies), 401 INVALID_CREDENTIALS with a wrong one', async () => {
      const user = await registerUser(app);
      await disable(user.id);
      expectError(await login(user), 403, 'ACCOUNT_DISABLED');
      const withCookies = await login(user, user.password, {});
      expectError(withCookies, 403, 'ACCOUNT_DISABLED');
      expect(withCookies.setCookies.map((line) => parseSetCookie(line).name).filter((name) => SESSION_COOKIES.includes(name))).toEqual([]);
      expectError(await login(user, 'not the right password'), 401, 'INVALID_CREDENTIALS');
    });

    it.each(['body', 'cookie'] as const)('refresh with a refresh token of before (%s transport): 403 ACCOUNT_DISABLED, not 401', async (transport) => {
      const session = await logIn(app, transport);
      await disable(session.user.id);
      const refreshed = transport === 'body' ? await app.client().post(REFRESH, { refreshToken: session.refreshToken }) : await session.client.post(REFRESH);
      expectError(refreshed, 403, 'ACCOUNT_DISABLED');
    });

    it('second factor: disabled between the password and the code, the code is refused with 403 ACCOUNT_DISABLED; afterwards the password step is', async () => {
      const { user, secret } = await totpUser();
      expectError(await totpLogIn(user, secret, () => disable(user.id)), 403, 'ACCOUNT_DISABLED');
      expectError(await login(user), 403, 'ACCOUNT_DISABLED');
    });

    it('second factor: a recovery code after the password is refused with 403 ACCOUNT_DISABLED too, and stays unused', async () => {
      const { user, recoveryCodes } = await totpUser();
      const challenge = expectStatus('login', await login(user), 200);
      await disable(user.id);
      expectError(await secondStep(challenge, { recoveryCode: recoveryCodes[0] }), 403, 'ACCOUNT_DISABLED');
      await disable(user.id, false);
      const again = expectStatus('login', await login(user), 200);
      expectStatus('login/mfa', await secondStep(again, { recoveryCode: recoveryCodes[0] }), 200);
    });

    it('passkey sign-in: 403 ACCOUNT_DISABLED, no session', async () => {
      const owner = await logIn(app, 'body');
      const phone = new SoftAuthenticator();
      await addPasskey(owner.client, owner.user.password, phone);
      await disable(owner.user.id);
      const { client, response } = await passkeyLogIn(app, phone);
      expectError(response, 403, 'ACCOUNT_DISABLED');
      expect(client.cookieNames().filter((name) => SESSION_COOKIES.includes(name))).toEqual([]);
    });

    it('sign-in at a provider: 302 to returnTo?error=ACCOUNT_DISABLED, no session', async () => {
      const account = newIdpAccount();
      const first = await idpSignIn(account);
      expect(first.callback.headers.get('location')).toBe(`${appUrl}/signed-in`);
      const id = expectStatus('me', await first.client.get(ME), 200).body.id;
      await disable(id);
      expectError(await first.client.get(ME), 401, 'SESSION_REVOKED');

      const { client, callback } = await idpSignIn(account);
      expect(callback.status).toBe(302);
      const location = new URL(callback.headers.get('location')!, appUrl);
      expect({ to: location.origin + location.pathname, error: location.searchParams.get('error') }).toEqual({
        to: `${appUrl}/signed-in`,
        error: 'ACCOUNT_DISABLED',
      });
      expect(client.cookieNames().filter((name) => SESSION_COOKIES.includes(name))).toEqual([]);
    });

    it('voids the mailed links and the pending change of address', async () => {
      const { user, client } = await logIn(app, 'body');
      const newEmail = uniqueEmail('moving');
      expect((await app.client().post(`${API}/auth/password/forgot`, { email: user.email })).status).toBe(202);
      const reset = await smtp.next(user.email, 'Reset your password');
      expect((await client.post(`${API}/users/me/email`, { newEmail, password: user.password })).status).toBe(202);
      const confirmation = await smtp.next(newEmail, 'Confirm your new email address');
      expect((await detailsOf(admin.client, user.id)).pendingEmail).toBe(newEmail);

      expect((await disable(user.id)).body.pendingEmail).toBeNull();
      await disable(user.id, false);
      expectError(await app.client().post(`${API}/auth/password/reset`, { token: reset.token, newPassword: NEW_PASSWORD }), 400, 'TOKEN_INVALID');
      expectError(await app.client().post(`${API}/auth/email/verify`, { token: confirmation.token }), 400, 'TOKEN_INVALID');
      expect(await detailsOf(admin.client, user.id)).toEqual(expect.objectContaining({ email: user.email, pendingEmail: null }));
      await logIn(app, 'body', user);
    });

    it('re-enabling lets the user sign in again; the sessions of before stay ended', async () => {
      const session = await logIn(app, 'body');
      await disable(session.user.id);
      const response = await disable(session.user.id, false);
      expect(response.body).toEqual(expect.objectContaining({ disabled: false, activeSessions: 0 }));
      await expectEnded(session);
      expectError(await app.client().post(REFRESH, { refreshToken: session.refreshToken }), 401, 'SESSION_REVOKED');
      const again = await logIn(app, 'body', session.user);
      await expectLive(again);
      expect((await detailsOf(admin.client, session.user.id)).activeSessions).toBe(1);
    });

    it('a change to the same value (or an empty body) is a no-op: 200, every session lives on, no audit entry', async () => {
      const session = await logIn(app, 'body', await registerUser(app, { roles: ['user', 'support'] }));
      for (const body of [{}, { disabled: false }, { roles: ['support', 'user'] }, { roles: ['user', 'support'], disabled: false }]) {
        const response = await patchUser(admin.client, session.user.id, body);
        expect({ body, status: response.status }).toEqual({ body, status: 200 });
        expect(response.body).toEqual(expect.objectContaining({ disabled: false, activeSessions: 1 }));
        await expectLive(session);
      }
      expect(await entriesAbout(session.user.id)).toEqual([]);

      await disable(session.user.id);
      await disable(session.user.id);
      expect(actionsOf(await entriesAbout(session.user.id))).toEqual([['user_disabled', {}]]);
    });
  });

  describe('DELETE /admin/users/:id/mfa: removing the second factor', () => {
    it('removes TOTP and the recovery codes and ends every session; the password alone signs in afterwards', async () => {
      const enrolled = await totpUser();
      const { user } = enrolled;
      const second = bearerClient(app, expectStatus('login/mfa', await totpLogIn(user, enrolled.secret), 200).body.accessToken);
      const response = await admin.client.delete(mfaPath(user.id));
      expect(response.status).toBe(204);
      await expectEnded(enrolled);
      await expectEnded({ client: second });
      expect(await queuedMails(app.dataSource, user.id)).toEqual(expect.arrayContaining([{ kind: 'mfa_reset', recipient: user.email }]));
      expect(await detailsOf(admin.client, user.id)).toEqual(
        expect.objectContaining({ mfaEnabled: false, mfa: { totp: { enabled: false, createdAt: null }, recoveryCodesRemaining: 0 } }),
      );

      const again = await login(user);
      expect(again.status).toBe(200);
      expect(again.body.mfaRequired).toBeUndefined();
      expect(again.body.user).toEqual(expect.objectContaining({ mfaEnabled: false }));
      const signedIn = bearerClient(app, again.body.accessToken);
      const events = expectStatus('events', await signedIn.get(`${API}/users/me/events`), 200).body.items as Array<{ type: string }>;
      expect(events.map((event) => event.type)).toContain('mfa_reset');

      // A factor enrolled afterwards has recovery codes of its own: the old ones sign nobody in.
      const reenrolled = await enableTotp(signedIn, user.password, app.clock.now());
      const challenge = expectStatus('login', await login(user), 200);
      expectError(await secondStep(challenge, { recoveryCode: enrolled.recoveryCodes[0] }), 401, 'MFA_CODE_INVALID');
      expectStatus('login/mfa', await secondStep(challenge, { recoveryCode: reenrolled.recoveryCodes[0] }), 200);
    });

    it('answers 404 NOT_FOUND when the user has no second factor (or does not exist), and ends nothing', async () => {
      const session = await logIn(app, 'body');
      expectError(await admin.client.delete(mfaPath(session.user.id)), 404, 'NOT_FOUND');
      await expectLive(session);
      expectError(await admin.client.delete(mfaPath(randomUUID())), 404, 'NOT_FOUND');
      expect(await entriesAbout(session.user.id)).toEqual([]);
    });

    it('a second removal answers 404 NOT_FOUND', async () => {
      const { user } = await totpUser();
      expect((await admin.client.delete(mfaPath(user.id))).status).toBe(204);
      expectError(await admin.client.delete(mfaPath(user.id)), 404, 'NOT_FOUND');
    });
  });

  describe('DELETE /admin/users/:id/sessions and its alias DELETE /users/:id/sessions', () => {
    it.each([
      ['DELETE /admin/users/:id/sessions', sessionsPath],
      ['DELETE /users/:id/sessions', aliasPath],
    ])('%s ends every session of the user (204), and no one else’s', async (_route, path) => {
      const phone = await logIn(app, 'body');
      const laptop = await logIn(app, 'cookie', phone.user);
      const bystander = await logIn(app, 'body');
      expect((await admin.client.delete(path(phone.user.id))).status).toBe(204);
      await expectEnded(phone);
      await expectEnded(laptop);
      await expectLive(bystander);
      await expectLive(admin);
      expect(actionsOf(await entriesAbout(phone.user.id))).toEqual([['sessions_ended', { sessions: 2 }]]);
    });

    it('answers 404 NOT_FOUND for an unknown user on both routes', async () => {
      for (const path of [sessionsPath, aliasPath]) expectError(await admin.client.delete(path(randomUUID())), 404, 'NOT_FOUND');
    });
  });

  describe('DELETE /admin/users/:id: deletion', () => {
    it('deletes the account: its sessions end, it cannot sign in, and it is gone from the directory', async () => {
      const session = await logIn(app, 'body');
      expect((await admin.client.delete(adminUser(session.user.id))).status).toBe(204);
      expect((await session.client.get(ME)).status).toBe(401);
      expectError(await login(session.user), 401, 'INVALID_CREDENTIALS');
      expectError(await admin.client.get(adminUser(session.user.id)), 404, 'NOT_FOUND');
      expect((await pageOf<AdminUser>(admin.client, ADMIN_USERS, { q: session.user.email })).items).toEqual([]);
      expectError(await admin.client.delete(adminUser(session.user.id)), 404, 'NOT_FOUND');
    });

    it('answers 404 NOT_FOUND for an unknown user and 400 VALIDATION_FAILED for an id that is not a uuid', async () => {
      expectError(await admin.client.delete(adminUser(randomUUID())), 404, 'NOT_FOUND');
      expectError(await admin.client.delete(adminUser('not-a-uuid')), 400, 'VALIDATION_FAILED');
    });
  });

  describe('GET /admin/audit: the audit log', () => {
    it('records each action with its actor, target, IP, time and details, newest first; the entries outlive the deleted user', async () => {
      const actor = await logInAdmin(app);
      const enrolled = await totpUser();
      const target = enrolled.user;
      expectStatus('roles', await patchUser(actor.client, target.id, { roles: ['user', 'support'] }), 200);
      expectStatus('disable', await patchUser(actor.client, target.id, { disabled: true }), 200);
      expectStatus('enable', await patchUser(actor.client, target.id, { disabled: false }), 200);
      expectStatus('reset mfa', await actor.client.delete(mfaPath(target.id)), 204);
      await logIn(app, 'body', target);
      await logIn(app, 'body', target);
      expectStatus('end sessions', await actor.client.delete(sessionsPath(target.id)), 204);
      await logIn(app, 'body', target);
      expectStatus('end sessions (alias)', await actor.client.delete(aliasPath(target.id)), 204);
      expectStatus('delete', await actor.client.delete(adminUser(target.id)), 204);

      const entries = await entriesAbout(target.id);
      expect(actionsOf(entries)).toEqual([
        ['user_deleted', { email: target.email }],
        ['sessions_ended', { sessions: 1 }],
        ['sessions_ended', { sessions: 2 }],
        ['mfa_reset', {}],
        ['user_enabled', {}],
        ['user_disabled', {}],
        ['roles_changed', { from: ['user'], to: ['user', 'support'] }],
      ]);
      for (const entry of entries) {
        expect(Object.keys(entry).sort()).toEqual(AUDIT_ENTRY_KEYS);
        expect(entry).toEqual(
          expect.objectContaining({ id: expect.stringMatching(UUID), actorId: actor.user.id, targetId: target.id, ip: expect.stringMatching(LOOPBACK) }),
        );
        expect(new Date(entry.at).toISOString()).toBe(entry.at);
      }
      const times = entries.map((entry) => Date.parse(entry.at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(new Set(entries.map((entry) => entry.id)).size).toBe(entries.length);
      expect(await auditOf(admin.client, { actor: actor.user.id })).toEqual(entries);
    });

    it('?actor= and ?target= filter, together or alone; reading writes nothing', async () => {
      const [ann, bob] = [await logInAdmin(app), await logInAdmin(app)];
      const [one, two] = [await registerUser(app), await registerUser(app)];
      await ann.client.delete(sessionsPath(one.id));
      await bob.client.delete(sessionsPath(one.id));
      await ann.client.delete(sessionsPath(two.id));
      await ann.client.get(ADMIN_USERS);
      await ann.client.get(adminUser(two.id));

      const pairs = (entries: AuditEntry[]) => entries.map((entry) => [entry.actorId, entry.targetId]);
      expect(pairs(await auditOf(ann.client, { actor: ann.user.id }))).toEqual([
        [ann.user.id, two.id],
        [ann.user.id, one.id],
      ]);
      expect(pairs(await auditOf(ann.client, { target: one.id }))).toEqual([
        [bob.user.id, one.id],
        [ann.user.id, one.id],
      ]);
      expect(pairs(await auditOf(ann.client, { actor: ann.user.id, target: one.id }))).toEqual([[ann.user.id, one.id]]);
      expect(await auditOf(ann.client, { actor: randomUUID() })).toEqual([]);
      const latest = (await pageOf<AuditEntry>(ann.client, AUDIT, { limit: 3 })).items;
      expect(pairs(latest)).toEqual([
        [ann.user.id, two.id],
        [bob.user.id, one.id],
        [ann.user.id, one.id],
      ]);
    });

    it('pages by cursor: every entry once, in the same order as one page', async () => {
      const actor = await logInAdmin(app);
      for (let n = 0; n < 7; n++) await actor.client.delete(sessionsPath((await registerUser(app)).id));
      const whole = await pageOf<AuditEntry>(actor.client, AUDIT, { actor: actor.user.id, limit: 100 });
      expect(whole.items).toHaveLength(7);
      expect(whole.nextCursor).toBeNull();
      const pages = await allPages<AuditEntry>(actor.client, AUDIT, { actor: actor.user.id, limit: 2 });
      expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 1]);
      expect(pages.flat()).toEqual(whole.items);
    });

    it.each([
      ['actor=not-a-uuid', { actor: 'not-a-uuid' }],
      ['target=not-a-uuid', { target: 'not-a-uuid' }],
      ['limit=0', { limit: '0' }],
      ['limit=101', { limit: '101' }],
      ['limit=many', { limit: 'many' }],
      ['a cursor that is no cursor', { cursor: 'not-a-cursor' }],
      ['a cursor beyond a bigint', { cursor: '9'.repeat(19) }],
      ['a negative cursor', { cursor: '-1' }],
    ])('answers 400 VALIDATION_FAILED for %s', async (_label, params) => {
      expectError(await admin.client.get(withQuery(AUDIT, params)), 400, 'VALIDATION_FAILED');
    });

    it('no route changes it: writing methods on /admin/audit answer 404 or 405, and the entries stay as they were', async () => {
      const user = await registerUser(app);
      await admin.client.delete(sessionsPath(user.id));
      const [entry] = await entriesAbout(user.id);
      const before = (await pageOf<AuditEntry>(admin.client, AUDIT, { limit: 100 })).items;
      const answers = [];
      for (const path of [AUDIT, `${AUDIT}/${entry.id}`]) {
        for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
          const response = await admin.client.request(method, path, { body: { action: 'nothing_happened', details: null } });
          answers.push({ request: `${method} ${path}`, refused: [404, 405].includes(response.status) });
        }
      }
      expect(answers).toEqual(answers.map(({ request }) => ({ request, refused: true })));
      expect((await pageOf<AuditEntry>(admin.client, AUDIT, { limit: 100 })).items).toEqual(before);
    });

    it('the database refuses UPDATE, DELETE and TRUNCATE on audit_log', async () => {
      const user = await registerUser(app);
      await admin.client.delete(sessionsPath(user.id));
      const [entry] = await entriesAbout(user.id);
      for (const statement of [
        [`UPDATE audit_log SET action = 'user_enabled', actor_id = NULL WHERE id = $1`, [entry.id]],
        ['DELETE FROM audit_log WHERE id = $1', [entry.id]],
        ['TRUNCATE audit_log', []],
      ] as const) {
        // In a transaction rolled back whatever happens: the other tests' entries stay.
        const runner = app.dataSource.createQueryRunner();
        await runner.connect();
        await runner.startTransaction();
        try {
          await expect(runner.query(statement[0], [...statement[1]])).rejects.toThrow(/append-only/);
        } finally {
          await runner.rollbackTransaction();
          await runner.release();
        }
      }
      expect(await entriesAbout(user.id)).toEqual([entry]);
    });
  });
});

describe('the last admin', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  /** Given `ids` are the only admins of the deployment: every other account loses the role (in the database). */
  async function onlyAdmins(...ids: string[]): Promise<void> {
    await app.dataSource.query(`UPDATE users SET roles = array_remove(roles, 'admin') WHERE NOT (id::text = ANY($1))`, [ids]);
  }

  async function enabledAdmins(): Promise<string[]> {
    const rows: Array<{ id: string }> = await app.dataSource.query(`SELECT id::text AS id FROM users WHERE 'admin' = ANY(roles) AND NOT disabled`);
    return rows.map((row) => row.id);
  }

  it('cannot demote, disable or delete themselves (409 LAST_ADMIN, nothing changed); once there is another admin, they can', async () => {
    const ann = await logInAdmin(app);
    await onlyAdmins(ann.user.id);
    for (const [label, request] of [
      ['demote', () => patchUser(ann.client, ann.user.id, { roles: ['user'] })],
      ['disable', () => patchUser(ann.client, ann.user.id, { disabled: true })],
      ['demote and disable', () => patchUser(ann.client, ann.user.id, { roles: ['user', 'support'], disabled: true })],
      ['delete', () => ann.client.delete(adminUser(ann.user.id))],
    ] as const) {
      const response = await request();
      expect({ label, status: response.status, code: response.body?.code }).toEqual({ label, status: 409, code: 'LAST_ADMIN' });
      expectError(response, 409, 'LAST_ADMIN');
    }
    await expectLive(ann);
    expect(await detailsOf(ann.client, ann.user.id)).toEqual(expect.objectContaining({ roles: ['user', 'admin'], disabled: false, activeSessions: 1 }));
    expect(await auditOf(ann.client, { target: ann.user.id })).toEqual([]);

    // A change of their roles that keeps `admin` is no threat (and, as any change of roles, ends their sessions).
    expect((await patchUser(ann.client, ann.user.id, { roles: ['user', 'admin', 'support'] })).status).toBe(200);
    const again = await logIn(app, 'body', ann.user);
    const bob = await logInAdmin(app);
    expect((await patchUser(again.client, ann.user.id, { roles: ['user'] })).body.roles).toEqual(['user']);
    await expectEnded(again);
    // Bob is the last admin now.
    expectError(await patchUser(bob.client, bob.user.id, { disabled: true }), 409, 'LAST_ADMIN');
    expectError(await bob.client.delete(adminUser(bob.user.id)), 409, 'LAST_ADMIN');
    expect(actionsOf(await auditOf(bob.client, { target: ann.user.id }))).toEqual([
      ['roles_changed', { from: ['user', 'admin', 'support'], to: ['user'] }],
      ['roles_changed', { from: ['user', 'admin'], to: ['user', 'admin', 'support'] }],
    ]);
  });

  it('counts only enabled admins: the admin who disabled the only other one is the last', async () => {
    const cay = await logInAdmin(app);
    await onlyAdmins(cay.user.id);
    const dee = await registerAdmin(app);
    expect((await patchUser(cay.client, dee.id, { disabled: true })).status).toBe(200);
    expectError(await patchUser(cay.client, cay.user.id, { roles: ['user'] }), 409, 'LAST_ADMIN');
    expectError(await cay.client.delete(adminUser(cay.user.id)), 409, 'LAST_ADMIN');
    expect((await patchUser(cay.client, dee.id, { disabled: false })).status).toBe(200);
    expect((await cay.client.delete(adminUser(cay.user.id))).status).toBe(204);
    const deeSession = await logIn(app, 'body', dee);
    expect(actionsOf(await auditOf(deeSession.client, { actor: cay.user.id }))).toEqual([
      ['user_deleted', { email: cay.user.email }],
      ['user_enabled', {}],
      ['user_disabled', {}],
    ]);
  });

  // On PostgreSQL the requests of a race run in transactions of their own at once; the embedded database takes them in turn.
  const demote = (self: LoggedInClient) => patchUser(self.client, self.user.id, { roles: ['user'] });
  const disable = (self: LoggedInClient) => patchUser(self.client, self.user.id, { disabled: true });
  const deleteSelf = (self: LoggedInClient) => self.client.delete(adminUser(self.user.id));

  // On PostgreSQL the requests of a race run in transactions of their own at once; the embedded database takes them in turn.
  it.each([
    ['both demote themselves', demote, demote],
    ['both disable themselves', disable, disable],
    ['both delete themselves', deleteSelf, deleteSelf],
    ['one deletes herself as the other disables himself', deleteSelf, disable],
  ])('the last two admins at once, %s: one is refused with 409 LAST_ADMIN, one enabled admin remains (5 races)', async (_label, annDoes, bobDoes) => {
    for (let race = 0; race < 5; race++) {
      const [ann, bob] = [await logInAdmin(app), await logInAdmin(app)];
      await onlyAdmins(ann.user.id, bob.user.id);
      const answers = await Promise.all([annDoes(ann), bobDoes(bob)]);
      expect(answers.filter((answer) => answer.status < 300)).toHaveLength(1);
      expect(answers.filter((answer) => answer.status === 409 && answer.body.code === 'LAST_ADMIN')).toHaveLength(1);
      expect(await enabledAdmins()).toHaveLength(1);
    }
  });

  it('two last admins disabling each other at once: an enabled admin remains (5 races)', async () => {
    for (let race = 0; race < 5; race++) {
      const [ann, bob] = [await logInAdmin(app), await logInAdmin(app)];
      await onlyAdmins(ann.user.id, bob.user.id);
      const answers = await Promise.all([patchUser(ann.client, bob.user.id, { disabled: true }), patchUser(bob.client, ann.user.id, { disabled: true })]);
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      for (const refused of answers.filter((answer) => answer.status !== 200)) {
        expect([409, 401]).toContain(refused.status);
      }
      expect(await enabledAdmins()).toHaveLength(1);
    }
  });

  it('lets an admin demote, disable or delete another admin', async () => {
    const eve = await logInAdmin(app);
    await onlyAdmins(eve.user.id);
    const [fay, gus, hal] = [await registerAdmin(app), await registerAdmin(app), await registerAdmin(app)];
    expect((await patchUser(eve.client, fay.id, { roles: ['user'] })).status).toBe(200);
    expect((await patchUser(eve.client, gus.id, { disabled: true })).status).toBe(200);
    expect((await eve.client.delete(adminUser(hal.id))).status).toBe(204);
  });
});

describe('ADMIN_REQUIRE_MFA=true', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ ADMIN_REQUIRE_MFA: 'true' });
    // TOTP codes follow the service's time, which then moves only when a test moves it.
    app.clock.freeze();
  });
  afterAll(() => app?.close());

  it('answers 403 MFA_REQUIRED on every admin route to an admin signed in with the password alone, and changes nothing', async () => {
    const admin = await logInAdmin(app);
    const target = await logIn(app, 'body');
    for (const [route, request] of adminRoutes(target.user.id)) {
      const response = await request(admin.client);
      expect({ route, status: response.status, code: response.body?.code }).toEqual({ route, status: 403, code: 'MFA_REQUIRED' });
    }
    await expectLive(target);
  });

  it('answers 403 FORBIDDEN (not MFA_REQUIRED) to a user without the role, whatever the session', async () => {
    const plain = await logIn(app, 'body');
    await enableTotp(plain.client, plain.user.password, app.clock.now());
    expectError(await plain.client.get(ADMIN_USERS), 403, 'FORBIDDEN');
    expectError(await (await logIn(app, 'body')).client.get(AUDIT), 403, 'FORBIDDEN');
  });

  it('serves an admin whose session has a second factor: the session that enabled TOTP, and a login completed with a code', async () => {
    const enabling = await logInAdmin(app);
    expectError(await enabling.client.get(ADMIN_USERS), 403, 'MFA_REQUIRED');
    const { secret } = await enableTotp(enabling.client, enabling.user.password, app.clock.now());
    expect((await enabling.client.get(ADMIN_USERS)).status).toBe(200);

    const challenge = expectStatus('login', await app.client().post(LOGIN, { email: enabling.user.email, password: enabling.user.password }), 200);
    const withCode = expectStatus(
      'login/mfa',
      await app.client().post(LOGIN_MFA, { mfaToken: challenge.body.mfaToken, code: totpCode(secret, app.clock.now() + TOTP_STEP_MS) }, { headers: BODY }),
      200,
    );
    const client = bearerClient(app, withCode.body.accessToken);
    const target = await logIn(app, 'body');
    expect((await client.get(adminUser(target.user.id))).status).toBe(200);
    expect((await client.delete(sessionsPath(target.user.id))).status).toBe(204);
    await expectEnded(target);
    expect(actionsOf(await auditOf(client, { target: target.user.id }))).toEqual([['sessions_ended', { sessions: 1 }]]);
  });
});

// Production needs a PostgreSQL server (DATABASE_URL): on the embedded database the block is skipped.
(process.env.TEST_DATABASE_URL ? describe : describe.skip)('in production (NODE_ENV=production)', () => {
  const secret = () => randomBytes(32).toString('base64url');
  const productionApp = (extra: Record<string, string> = {}) =>
    startTestApp({ ...productionEnv(), JWT_ALGORITHM: 'HS256', JWT_ACCESS_SECRET: secret(), JWT_REFRESH_SECRET: secret(), ...extra });

  it('admins need a second factor by default', async () => {
    const app = await productionApp();
    try {
      const admin = await logInAdmin(app);
      expectError(await admin.client.get(ADMIN_USERS), 403, 'MFA_REQUIRED');
      await enableTotp(admin.client, admin.user.password, app.clock.now());
      expect((await admin.client.get(ADMIN_USERS)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('ADMIN_REQUIRE_MFA=false turns that off', async () => {
    const app = await productionApp({ ADMIN_REQUIRE_MFA: 'false' });
    try {
      const admin = await logInAdmin(app);
      expect((await admin.client.get(ADMIN_USERS)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
