import { createHash, randomUUID } from 'node:crypto';
import { Secret } from 'otpauth';
import { ApiClient, ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { eventually } from './support/eventually';
import { decodeToken } from './support/jws';
import { outboxDrained } from './support/outbox';
import { SmtpReceiver } from './support/smtp-receiver';
import { startTestApp, TestApp } from './support/test-app';
import { currentSession, EnabledTotp, enableTotp, expectStatus, queuedMails, recordQueuedMails, TOTP_STEP_MS, totpCode, wrongTotpCode } from './support/totp';
import { LoggedInClient, logIn, registerUser, TestUser } from './support/users';

/**
 * The second factor (TOTP and recovery codes) from outside: enrolment, the
 * login challenge in both transports, the TOTP window and replay on the app's
 * clock, MFA tokens, recovery codes, disabling, a password reset, storage at
 * rest, events, mails and the OpenAPI document.
 */

const API = '/api/v1';
const MFA = `${API}/users/me/mfa`;
const TOTP_ROUTE = `${MFA}/totp`;
const CONFIRM = `${MFA}/totp/confirm`;
const RECOVERY_CODES = `${MFA}/recovery-codes`;
const LOGIN = `${API}/auth/login`;
const LOGIN_MFA = `${API}/auth/login/mfa`;
const REFRESH = `${API}/auth/refresh`;
const ME = `${API}/users/me`;
const SESSIONS = `${API}/auth/sessions`;
const EVENTS = `${API}/users/me/events?limit=100`;
const BODY = { 'x-token-transport': 'body' };
const RECOVERY_CODE = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/;
const COOKIE_NAMES = ['__Host-access_token', '__Host-csrf_token', '__Secure-refresh_token'];
const NEW_PASSWORD = 'a new and much better passphrase';
const MFA_MAIL_KINDS = ['mfa_enabled', 'mfa_disabled', 'recovery_code_used', 'recovery_codes_regenerated'];

interface Enrolled extends EnabledTotp {
  user: TestUser;
  /** The session that enabled the factor (body transport): aal2 from then on. */
  session: LoggedInClient;
}

/** The TOTP code of `secret` at the app's time plus `offsetMs`. */
function totpAt(testApp: TestApp, secret: string, offsetMs = 0): string {
  return totpCode(secret, testApp.clock.now() + offsetMs);
}

/** Moves the app's clock one period on and gives the code of then: a time step after any used so far at "now". */
function freshCode(testApp: TestApp, secret: string): string {
  testApp.clock.advance(TOTP_STEP_MS);
  return totpAt(testApp, secret);
}

/** Six digits that are none of the codes the server would accept at the app's time (previous, current, next step, with margin). */
function wrongCode(testApp: TestApp, secret: string): string {
  return wrongTotpCode(secret, testApp.clock.now());
}

function bearerClient(testApp: TestApp, accessToken: string): ApiClient {
  const client = testApp.client();
  client.bearer = accessToken;
  return client;
}

/** A new user (or `user`) logged in by password, enrolled in TOTP and confirmed. */
async function enrolledUser(testApp: TestApp, user?: TestUser): Promise<Enrolled> {
  const session = await logIn(testApp, 'body', user);
  const enabled = await enableTotp(session.client, session.user.password, testApp.clock.now());
  return { user: session.user, session, ...enabled };
}

/** POST /auth/login with the right password: the challenge response. */
async function loginChallenge(testApp: TestApp, user: TestUser, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return testApp.client().post(LOGIN, { email: user.email, password: user.password }, { headers });
}

/** The MFA token of a new login challenge. */
async function mfaToken(testApp: TestApp, user: TestUser): Promise<string> {
  const challenge = expectStatus('login challenge', await loginChallenge(testApp, user), 200);
  if (challenge.body.mfaRequired !== true) throw new Error(`login gave no challenge: ${JSON.stringify(challenge.body)}`);
  return challenge.body.mfaToken;
}

/** A whole login (password, then the proof) in body transport; the client carries the bearer token. */
async function mfaLogIn(
  testApp: TestApp,
  user: TestUser,
  proof: { code: string } | { recoveryCode: string },
): Promise<{ client: ApiClient; response: ApiResponse }> {
  const token = await mfaToken(testApp, user);
  const response = expectStatus('login/mfa', await testApp.client().post(LOGIN_MFA, { mfaToken: token, ...proof }, { headers: BODY }), 200);
  return { client: bearerClient(testApp, response.body.accessToken), response };
}

const claimsOf = (accessToken: string) => decodeToken(accessToken).claims;

async function revokedReasons(testApp: TestApp, sessionIds: string[]): Promise<Array<string | null>> {
  const rows: Array<{ id: string; reason: string | null }> = await testApp.dataSource.query(
    'SELECT id::text AS id, revoked_reason AS reason FROM key_store WHERE id::text = ANY($1)',
    [sessionIds],
  );
  return sessionIds.map((id) => rows.find((row) => row.id === id)?.reason ?? null);
}

async function mfaStatus(client: ApiClient): Promise<ApiResponse> {
  return expectStatus('GET mfa', await client.get(MFA), 200);
}

/** Every row of every table of the public schema, as JSON text (the whole database at rest). */
async function everyRowAsJson(testApp: TestApp): Promise<string[]> {
  const tables: Array<{ name: string }> = await testApp.dataSource.query(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const rows: string[] = [];
  for (const { name } of tables) {
    const found: Array<{ j: string }> = await testApp.dataSource.query(`SELECT row_to_json(t)::text AS j FROM "${name}" t`);
    rows.push(...found.map((row) => `${name}: ${row.j}`));
  }
  return rows;
}

describe('second factor: TOTP and recovery codes', () => {
  const smtp = new SmtpReceiver();
  let app: TestApp;

  beforeAll(async () => {
    const smtpUrl = await smtp.start();
    app = await startTestApp({ SMTP_URL: smtpUrl, APP_URL: 'https://app.example.test/' });
    await recordQueuedMails(app.dataSource);
  });
  afterAll(async () => {
    await app?.close();
    await smtp.stop();
  });

  describe('enrolment', () => {
    it('needs the password: a wrong one is 401 INVALID_CREDENTIALS and starts no enrolment', async () => {
      const { client } = await logIn(app, 'body');
      expectError(await client.post(TOTP_ROUTE, { password: 'not the right password' }), 401, 'INVALID_CREDENTIALS');
      expectError(await client.post(CONFIRM, { code: '123456' }), 404, 'NOT_FOUND');
    });

    it('answers the secret, the exact otpauth URI and an SVG QR code; GET /users/me/mfa says not enabled while pending', async () => {
      const { client, user } = await logIn(app, 'body');
      expect((await mfaStatus(client)).body).toEqual({ totp: { enabled: false, createdAt: null }, recoveryCodesRemaining: 0 });

      const response = await client.post(TOTP_ROUTE, { password: user.password });
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['otpauthUri', 'qrCodeSvg', 'secret']);
      const { secret, otpauthUri, qrCodeSvg } = response.body;
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
      expect(otpauthUri).toBe(
        `otpauth://totp/Auth%20service:${encodeURIComponent(user.email)}?secret=${secret}&issuer=Auth%20service&algorithm=SHA1&digits=6&period=30`,
      );
      expect(typeof qrCodeSvg).toBe('string');
      expect(qrCodeSvg).toContain('<svg');

      expect((await mfaStatus(client)).body).toEqual({ totp: { enabled: false, createdAt: null }, recoveryCodesRemaining: 0 });
      expect((await client.get(ME)).body.mfaEnabled).toBe(false);
    });

    it('a second POST replaces the pending secret: codes of the first stop confirming', async () => {
      const { client, user } = await logIn(app, 'body');
      const first = expectStatus('enrol 1', await client.post(TOTP_ROUTE, { password: user.password }), 200).body.secret;
      const second = expectStatus('enrol 2', await client.post(TOTP_ROUTE, { password: user.password }), 200).body.secret;
      expect(second).not.toBe(first);

      expectError(await client.post(CONFIRM, { code: totpAt(app, first) }), 401, 'MFA_CODE_INVALID');
      expect((await client.post(CONFIRM, { code: totpAt(app, second) })).status).toBe(200);
    });

    it('confirm: 404 NOT_FOUND without a pending enrolment, 401 MFA_CODE_INVALID for a wrong code, then 10 recovery codes', async () => {
      const { client, user } = await logIn(app, 'body');
      expectError(await client.post(CONFIRM, { code: '123456' }), 404, 'NOT_FOUND');

      const { secret } = expectStatus('enrol', await client.post(TOTP_ROUTE, { password: user.password }), 200).body;
      expectError(await client.post(CONFIRM, { code: wrongCode(app, secret) }), 401, 'MFA_CODE_INVALID');
      expect((await client.get(ME)).body.mfaEnabled).toBe(false);

      const confirmed = await client.post(CONFIRM, { code: totpAt(app, secret) });
      expect(confirmed.status).toBe(200);
      expect(Object.keys(confirmed.body)).toEqual(['recoveryCodes']);
      const codes: string[] = confirmed.body.recoveryCodes;
      expect(codes).toHaveLength(10);
      for (const code of codes) expect(code).toMatch(RECOVERY_CODE);
      expect(new Set(codes).size).toBe(10);
    });

    it('wrong codes at confirm do not count towards the lockout: after 10 of them, the factor works', async () => {
      const { client, user } = await logIn(app, 'body');
      const { secret } = expectStatus('enrol', await client.post(TOTP_ROUTE, { password: user.password }), 200).body;
      for (let attempt = 0; attempt < 10; attempt++) {
        expectError(await client.post(CONFIRM, { code: wrongCode(app, secret) }), 401, 'MFA_CODE_INVALID');
      }
      expectStatus('confirm', await client.post(CONFIRM, { code: totpAt(app, secret) }), 200);
      expectError(await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code: wrongCode(app, secret) }), 401, 'MFA_CODE_INVALID');
      expect((await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code: freshCode(app, secret) })).status).toBe(200);
    });

    it('once enabled: POST totp and confirm are 409 MFA_ALREADY_ENABLED; GET /users/me/mfa and the user object say enabled', async () => {
      const before = Date.now();
      const { session, secret, user } = await enrolledUser(app);
      const { client } = session;

      expectError(await client.post(TOTP_ROUTE, { password: user.password }), 409, 'MFA_ALREADY_ENABLED');
      expectError(await client.post(CONFIRM, { code: freshCode(app, secret) }), 409, 'MFA_ALREADY_ENABLED');

      const status = (await mfaStatus(client)).body;
      expect(status).toEqual({ totp: { enabled: true, createdAt: expect.any(String) }, recoveryCodesRemaining: 10 });
      expect(new Date(status.totp.createdAt).toISOString()).toBe(status.totp.createdAt);
      expect(new Date(status.totp.createdAt).getTime()).toBeGreaterThanOrEqual(before - 5_000);

      const me = (await client.get(ME)).body;
      expect(me).toEqual(expect.objectContaining({ mfaEnabled: true, hasPassword: true }));
    });

    it('the routes need an access token, validate their bodies, and need the CSRF token in cookie transport', async () => {
      const anonymous = app.client();
      expectError(await anonymous.get(MFA), 401, 'TOKEN_MISSING');
      expectError(await anonymous.post(TOTP_ROUTE, { password: 'whatever it is' }), 401, 'TOKEN_MISSING');
      expectError(await anonymous.post(CONFIRM, { code: '123456' }), 401, 'TOKEN_MISSING');

      const { client, user } = await logIn(app, 'body');
      expectError(await client.post(TOTP_ROUTE, {}), 400, 'VALIDATION_FAILED');
      expectError(await client.post(TOTP_ROUTE, { password: user.password, extra: 1 }), 400, 'VALIDATION_FAILED');
      expectStatus('enrol', await client.post(TOTP_ROUTE, { password: user.password }), 200);
      expectError(await client.post(CONFIRM, {}), 400, 'VALIDATION_FAILED');
      expectError(await client.post(CONFIRM, { code: 123456 }), 400, 'VALIDATION_FAILED');
      expectError(await client.post(CONFIRM, { code: '1'.repeat(65) }), 400, 'VALIDATION_FAILED');

      const cookie = await logIn(app, 'cookie');
      const csrf = cookie.client.csrfToken;
      cookie.client.csrfToken = undefined;
      expectError(await cookie.client.post(TOTP_ROUTE, { password: cookie.user.password }), 403, 'CSRF_TOKEN_INVALID');
      cookie.client.csrfToken = csrf;
      expect((await cookie.client.post(TOTP_ROUTE, { password: cookie.user.password })).status).toBe(200);
    });

    it('a plain password session is aal1 with amr ["pwd"], in the token and in the session list', async () => {
      const { client, login } = await logIn(app, 'body');
      expect(claimsOf(login.body.accessToken)).toEqual(expect.objectContaining({ aal: 'aal1', amr: ['pwd'] }));
      expect(await currentSession(client)).toEqual(expect.objectContaining({ aal: 'aal1', amr: ['pwd'] }));
      expect((await client.get(ME)).body).toEqual(expect.objectContaining({ mfaEnabled: false, hasPassword: true }));
    });
  });

  describe('enabling the factor', () => {
    it('ends every other session at once, and the enabling session goes on with the same token at aal2', async () => {
      const user = await registerUser(app);
      const other = await logIn(app, 'body', user);
      const otherCookie = await logIn(app, 'cookie', user);
      const enabling = await logIn(app, 'body', user);
      const tokenBefore = enabling.client.bearer;

      const { secret } = expectStatus('enrol', await enabling.client.post(TOTP_ROUTE, { password: user.password }), 200).body;
      // A pending enrolment changes nothing yet.
      expect((await other.client.get(ME)).status).toBe(200);
      expectStatus('confirm', await enabling.client.post(CONFIRM, { code: totpAt(app, secret) }), 200);

      expectError(await other.client.get(ME), 401, 'SESSION_REVOKED');
      expectError(await otherCookie.client.get(ME), 401, 'SESSION_REVOKED');
      expectError(await app.client().post(REFRESH, { refreshToken: other.refreshToken }), 401, 'SESSION_REVOKED');
      expect(await revokedReasons(app, [other.sessionId, otherCookie.sessionId])).toEqual(['mfa_enabled', 'mfa_enabled']);

      expect(enabling.client.bearer).toBe(tokenBefore);
      const me = await enabling.client.get(ME);
      expect(me.status).toBe(200);
      expect(me.body.mfaEnabled).toBe(true);
      expect(await currentSession(enabling.client)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'otp'] }));
      const sessions = expectStatus('sessions', await enabling.client.get(SESSIONS), 200).body as Array<{ id: string }>;
      expect(sessions.map((item) => item.id)).toEqual([enabling.sessionId]);

      // The next token of the session (refresh) carries the new assurance.
      const refreshed = expectStatus('refresh', await app.client().post(REFRESH, { refreshToken: enabling.refreshToken }), 200);
      expect(claimsOf(refreshed.body.accessToken)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'otp'] }));
    });

    it('voids a pending change of address: pendingEmail is null and its mailed token no longer works', async () => {
      const { client, user } = await logIn(app, 'body');
      const newEmail = `moved-${randomUUID()}@example.com`;
      expectStatus('change email', await client.post(`${API}/users/me/email`, { newEmail, password: user.password }), 202);
      expect((await client.get(ME)).body.pendingEmail).toBe(newEmail);
      const mail = await smtp.next(newEmail, 'Confirm your new email address');

      const { secret } = expectStatus('enrol', await client.post(TOTP_ROUTE, { password: user.password }), 200).body;
      expectStatus('confirm', await client.post(CONFIRM, { code: totpAt(app, secret) }), 200);

      expect((await client.get(ME)).body).toEqual(expect.objectContaining({ pendingEmail: null, email: user.email }));
      expectError(await app.client().post(`${API}/auth/email/verify`, { token: mail.token }), 400, 'TOKEN_INVALID');
      expect((await client.get(ME)).body.email).toBe(user.email);
    });
  });

  describe('login challenge', () => {
    it('answers the challenge without a session, cookie or token, in either transport', async () => {
      const { user } = await enrolledUser(app);
      for (const headers of [{}, BODY]) {
        const client = app.client();
        const response = await client.post(LOGIN, { email: user.email, password: user.password }, { headers });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ['totp', 'recovery_code'], expiresIn: 300 });
        expect(response.body.mfaToken.length).toBeGreaterThanOrEqual(20);
        expect(response.setCookies).toEqual([]);
        expect(client.cookieNames()).toEqual([]);
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
    });

    it('cookie transport: login/mfa sets the three cookies and answers the csrfToken; the session is aal2', async () => {
      const { user, secret } = await enrolledUser(app);
      const client = app.client();
      const challenge = await client.post(LOGIN, { email: user.email, password: user.password });
      expect(challenge.setCookies).toEqual([]);

      const response = await client.post(LOGIN_MFA, { mfaToken: challenge.body.mfaToken, code: freshCode(app, secret) });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(Object.keys(response.body).sort()).toEqual(['csrfToken', 'session', 'user']);
      expect(response.body.csrfToken).toEqual(expect.any(String));
      expect(response.body.user).toEqual(expect.objectContaining({ id: user.id, email: user.email, mfaEnabled: true }));
      expect(response.setCookies.map((line) => line.split('=')[0]).sort()).toEqual(COOKIE_NAMES);
      expect(client.cookieNames().sort()).toEqual(COOKIE_NAMES);

      expect(claimsOf(client.cookie('__Host-access_token')!)).toEqual(expect.objectContaining({ sub: user.id, aal: 'aal2', amr: ['pwd', 'otp'] }));
      client.csrfToken = response.body.csrfToken;
      expect((await client.get(ME)).status).toBe(200);
      expect(await currentSession(client)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'otp'] }));
    });

    it('body transport: X-Token-Transport: body on login/mfa gives the tokens in the body, and a refresh keeps aal2', async () => {
      const { user, secret } = await enrolledUser(app);
      const token = await mfaToken(app, user);
      const client = app.client();
      const response = await client.post(LOGIN_MFA, { mfaToken: token, code: freshCode(app, secret) }, { headers: BODY });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.setCookies).toEqual([]);
      expect(Object.keys(response.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'session', 'tokenType', 'user']);
      expect(response.body.tokenType).toBe('Bearer');
      expect(response.body.user.mfaEnabled).toBe(true);

      const claims = claimsOf(response.body.accessToken);
      expect(claims).toEqual(expect.objectContaining({ sub: user.id, sid: response.body.session.id, aal: 'aal2', amr: ['pwd', 'otp'] }));
      const bearer = bearerClient(app, response.body.accessToken);
      expect(await currentSession(bearer)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'otp'] }));

      const refreshed = expectStatus('refresh', await app.client().post(REFRESH, { refreshToken: response.body.refreshToken }), 200);
      expect(claimsOf(refreshed.body.accessToken)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'otp'] }));
    });

    it('a wrong password is still 401 INVALID_CREDENTIALS, with the body an unknown email gets: no hint of a second factor', async () => {
      const { user } = await enrolledUser(app);
      const wrong = await app.client().post(LOGIN, { email: user.email, password: 'not the right password' });
      expectError(wrong, 401, 'INVALID_CREDENTIALS');
      expect(wrong.body).not.toHaveProperty('mfaToken');
      expect(wrong.body).not.toHaveProperty('mfaRequired');
      const unknown = await app.client().post(LOGIN, { email: `nobody-${randomUUID()}@example.com`, password: 'not the right password' });
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.setCookies).toEqual([]);
    });
  });

  describe('replay', () => {
    it('the code that confirmed the enrolment cannot log in', async () => {
      const { user, confirmCode } = await enrolledUser(app);
      expectError(await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code: confirmCode }), 401, 'MFA_CODE_INVALID');
    });

    it('a code accepted once is refused through a second MFA token', async () => {
      const { user, secret } = await enrolledUser(app);
      const code = freshCode(app, secret);
      const first = await mfaToken(app, user);
      const second = await mfaToken(app, user);
      expect((await app.client().post(LOGIN_MFA, { mfaToken: first, code })).status).toBe(200);
      expectError(await app.client().post(LOGIN_MFA, { mfaToken: second, code }), 401, 'MFA_CODE_INVALID');
      // The second token is not spent by that: a new code goes through it.
      expect((await app.client().post(LOGIN_MFA, { mfaToken: second, code: freshCode(app, secret) })).status).toBe(200);
    });

    it('an older step, never used, is refused once a newer one was used', async () => {
      const { user, secret } = await enrolledUser(app);
      app.clock.advance(2 * TOTP_STEP_MS);
      const older = totpAt(app, secret);
      const newer = totpAt(app, secret, TOTP_STEP_MS);
      expect(older).not.toBe(newer);
      expect((await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code: newer })).status).toBe(200);
      expectError(await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code: older }), 401, 'MFA_CODE_INVALID');
    });
  });

  describe('MFA tokens', () => {
    it('an unknown MFA token is 401 MFA_TOKEN_INVALID, whatever the code', async () => {
      const { secret } = await enrolledUser(app);
      for (const mfaTokenValue of ['x'.repeat(43), 'not a token', randomUUID()]) {
        expectError(await app.client().post(LOGIN_MFA, { mfaToken: mfaTokenValue, code: totpAt(app, secret, TOTP_STEP_MS) }), 401, 'MFA_TOKEN_INVALID');
      }
    });

    it('is single-use once it succeeded', async () => {
      const { user, secret } = await enrolledUser(app);
      const token = await mfaToken(app, user);
      expect((await app.client().post(LOGIN_MFA, { mfaToken: token, code: freshCode(app, secret) })).status).toBe(200);
      expectError(await app.client().post(LOGIN_MFA, { mfaToken: token, code: freshCode(app, secret) }), 401, 'MFA_TOKEN_INVALID');
    });

    it('lives 5 minutes on the app clock', async () => {
      const { user, secret } = await enrolledUser(app);
      const early = await mfaToken(app, user);
      const late = await mfaToken(app, user);
      app.clock.advance(299_000);
      expect((await app.client().post(LOGIN_MFA, { mfaToken: early, code: totpAt(app, secret) })).status).toBe(200);
      app.clock.advance(2_000);
      expectError(await app.client().post(LOGIN_MFA, { mfaToken: late, code: totpAt(app, secret, TOTP_STEP_MS) }), 401, 'MFA_TOKEN_INVALID');
    });

    it('dies after 5 wrong codes (each 401 MFA_CODE_INVALID); a new login still works', async () => {
      const { user, secret } = await enrolledUser(app);
      app.clock.advance(TOTP_STEP_MS);
      const token = await mfaToken(app, user);
      for (let attempt = 1; attempt <= 5; attempt++) {
        expectError(await app.client().post(LOGIN_MFA, { mfaToken: token, code: wrongCode(app, secret) }), 401, 'MFA_CODE_INVALID');
      }
      expectError(await app.client().post(LOGIN_MFA, { mfaToken: token, code: totpAt(app, secret) }), 401, 'MFA_TOKEN_INVALID');
      expect((await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code: totpAt(app, secret) })).status).toBe(200);
    });

    it('a wrong recovery code is 401 MFA_CODE_INVALID', async () => {
      const { user } = await enrolledUser(app);
      const token = await mfaToken(app, user);
      expectError(await app.client().post(LOGIN_MFA, { mfaToken: token, recoveryCode: 'aaaaa-aaaaa' }), 401, 'MFA_CODE_INVALID');
    });

    it('validates the body: 400 VALIDATION_FAILED for both proofs, neither, a missing token, non-strings and strings over 64 characters', async () => {
      const { user, secret, recoveryCodes } = await enrolledUser(app);
      const token = await mfaToken(app, user);
      const code = freshCode(app, secret);
      const bodies: unknown[] = [
        { mfaToken: token, code, recoveryCode: recoveryCodes[0] },
        { mfaToken: token },
        { code },
        { mfaToken: token, code: '1'.repeat(65) },
        { mfaToken: token, recoveryCode: 'a'.repeat(65) },
        { mfaToken: 'x'.repeat(1000), code },
        { mfaToken: token, code: 123456 },
        { mfaToken: token, recoveryCode: ['a'] },
        { mfaToken: 42, code },
      ];
      for (const body of bodies) {
        const response = await app.client().post(LOGIN_MFA, body);
        expect({ body, status: response.status, code: response.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
        expectError(response, 400, 'VALIDATION_FAILED');
      }
      // None of that spent the token, the code or the recovery code.
      expect((await app.client().post(LOGIN_MFA, { mfaToken: token, code })).status).toBe(200);
      expect((await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), recoveryCode: recoveryCodes[0] })).status).toBe(200);
    });

    it('ignores spaces inside a TOTP code', async () => {
      const { user, secret } = await enrolledUser(app);
      const code = freshCode(app, secret);
      const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
      expect((await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code: spaced })).status).toBe(200);
    });
  });

  describe('recovery codes', () => {
    it('log in at aal2 with amr ["pwd","recovery_code"], whatever the case or hyphen, once each; the count goes down', async () => {
      const { user, session, recoveryCodes } = await enrolledUser(app);
      expect((await mfaStatus(session.client)).body.recoveryCodesRemaining).toBe(10);

      const { client, response } = await mfaLogIn(app, user, { recoveryCode: recoveryCodes[0] });
      expect(claimsOf(response.body.accessToken)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'recovery_code'] }));
      expect(await currentSession(client)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'recovery_code'] }));
      expect((await mfaStatus(client)).body.recoveryCodesRemaining).toBe(9);

      await mfaLogIn(app, user, { recoveryCode: recoveryCodes[1].toUpperCase() });
      await mfaLogIn(app, user, { recoveryCode: recoveryCodes[2].replace('-', '') });
      await mfaLogIn(app, user, { recoveryCode: recoveryCodes[3].replace('-', '').toUpperCase() });
      expect((await mfaStatus(client)).body.recoveryCodesRemaining).toBe(6);

      for (const used of [recoveryCodes[0], recoveryCodes[1], recoveryCodes[2].toUpperCase()]) {
        expectError(await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), recoveryCode: used }), 401, 'MFA_CODE_INVALID');
      }
      expect((await mfaStatus(client)).body.recoveryCodesRemaining).toBe(6);
    });

    it('regenerating needs a code, answers 10 new codes, and the old ones stop working; sessions live on', async () => {
      const { user, session, secret, recoveryCodes } = await enrolledUser(app);
      const other = await mfaLogIn(app, user, { recoveryCode: recoveryCodes[0] });

      expectError(await session.client.post(RECOVERY_CODES, { code: wrongCode(app, secret) }), 401, 'MFA_CODE_INVALID');
      const regenerated = await session.client.post(RECOVERY_CODES, { code: freshCode(app, secret) });
      expect(regenerated.status).toBe(200);
      expect(Object.keys(regenerated.body)).toEqual(['recoveryCodes']);
      const fresh: string[] = regenerated.body.recoveryCodes;
      expect(fresh).toHaveLength(10);
      for (const code of fresh) expect(code).toMatch(RECOVERY_CODE);
      expect(fresh.filter((code) => recoveryCodes.includes(code))).toEqual([]);
      expect((await mfaStatus(session.client)).body.recoveryCodesRemaining).toBe(10);

      expectError(await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), recoveryCode: recoveryCodes[5] }), 401, 'MFA_CODE_INVALID');
      await mfaLogIn(app, user, { recoveryCode: fresh[0] });
      expect((await mfaStatus(session.client)).body.recoveryCodesRemaining).toBe(9);

      // Regenerating again with a recovery code in `code`.
      const again = await other.client.post(RECOVERY_CODES, { code: fresh[1] });
      expect(again.status).toBe(200);
      expectError(await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), recoveryCode: fresh[2] }), 401, 'MFA_CODE_INVALID');

      expect((await session.client.get(ME)).status).toBe(200);
      expect((await other.client.get(ME)).status).toBe(200);
    });

    it('DELETE totp and POST recovery-codes need aal2: 403 MFA_REQUIRED for an aal1 session, before the body is looked at', async () => {
      const { client } = await logIn(app, 'body');
      expectError(await client.delete(TOTP_ROUTE, { code: '123456' }), 403, 'MFA_REQUIRED');
      expectError(await client.delete(TOTP_ROUTE), 403, 'MFA_REQUIRED');
      expectError(await client.post(RECOVERY_CODES, { code: '123456' }), 403, 'MFA_REQUIRED');
      expectError(await client.post(RECOVERY_CODES, {}), 403, 'MFA_REQUIRED');
      expectError(await client.post(RECOVERY_CODES, { unexpected: true }), 403, 'MFA_REQUIRED');
      expect((await mfaStatus(client)).body).toEqual({ totp: { enabled: false, createdAt: null }, recoveryCodesRemaining: 0 });
    });
  });

  describe('disabling', () => {
    it('with a TOTP code: 204, the factor and codes are gone, every other session ends, and login gives a session directly', async () => {
      const { user, session, secret } = await enrolledUser(app);
      const other = await mfaLogIn(app, user, { code: freshCode(app, secret) });

      expectError(await other.client.delete(TOTP_ROUTE, { code: wrongCode(app, secret) }), 401, 'MFA_CODE_INVALID');
      expect((await other.client.get(ME)).body.mfaEnabled).toBe(true);

      const disabled = await other.client.delete(TOTP_ROUTE, { code: freshCode(app, secret) });
      expect(disabled.status).toBe(204);

      expectError(await session.client.get(ME), 401, 'SESSION_REVOKED');
      expect(await revokedReasons(app, [session.sessionId])).toEqual(['mfa_disabled']);
      const me = await other.client.get(ME);
      expect(me.status).toBe(200);
      expect(me.body.mfaEnabled).toBe(false);
      expect((await mfaStatus(other.client)).body).toEqual({ totp: { enabled: false, createdAt: null }, recoveryCodesRemaining: 0 });
      expect(await app.dataSource.query('SELECT user_id FROM mfa_totp WHERE user_id = $1', [user.id])).toEqual([]);
      expect(await app.dataSource.query('SELECT id FROM mfa_recovery_codes WHERE user_id = $1', [user.id])).toEqual([]);

      const login = await app.client().post(LOGIN, { email: user.email, password: user.password }, { headers: BODY });
      expect(login.status).toBe(200);
      expect(login.body).not.toHaveProperty('mfaRequired');
      expect(login.body.accessToken).toEqual(expect.any(String));
      expect(login.body.user.mfaEnabled).toBe(false);
      expect(claimsOf(login.body.accessToken)).toEqual(expect.objectContaining({ aal: 'aal1', amr: ['pwd'] }));
    });

    it('with a recovery code: 204; the account can enrol again afterwards', async () => {
      const { user, session, recoveryCodes } = await enrolledUser(app);
      expect((await session.client.delete(TOTP_ROUTE, { code: recoveryCodes[4] })).status).toBe(204);
      expect((await session.client.get(ME)).body.mfaEnabled).toBe(false);

      const login = await logIn(app, 'body', user);
      expect(login.login.body.session.id).toEqual(expect.any(String));
      const again = await login.client.post(TOTP_ROUTE, { password: user.password });
      expect(again.status).toBe(200);
      expect(again.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    });
  });

  it('a password reset keeps the factor: the login with the new password ends in the challenge', async () => {
    const { user, session, secret } = await enrolledUser(app);
    expectStatus('forgot', await app.client().post(`${API}/auth/password/forgot`, { email: user.email }), 202);
    const mail = await smtp.next(user.email, 'Reset your password');
    expectStatus('reset', await app.client().post(`${API}/auth/password/reset`, { token: mail.token, newPassword: NEW_PASSWORD }), 204);
    expectError(await session.client.get(ME), 401, 'SESSION_REVOKED');

    const challenge = await loginChallenge(app, { ...user, password: NEW_PASSWORD }, BODY);
    expect(challenge.status).toBe(200);
    expect(challenge.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ['totp', 'recovery_code'], expiresIn: 300 });
    expect(challenge.body).not.toHaveProperty('accessToken');

    const done = await app.client().post(LOGIN_MFA, { mfaToken: challenge.body.mfaToken, code: freshCode(app, secret) }, { headers: BODY });
    expect(done.status).toBe(200);
    expect(claimsOf(done.body.accessToken)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'otp'] }));
    const status = (await mfaStatus(bearerClient(app, done.body.accessToken))).body;
    expect(status).toEqual({ totp: { enabled: true, createdAt: expect.any(String) }, recoveryCodesRemaining: 10 });
  });

  describe('pending mailed tokens', () => {
    /** Asks for a change of address and waits for its mail: the token of the confirmation link. */
    async function pendingChange(client: ApiClient, user: TestUser): Promise<{ newEmail: string; token: string }> {
      const newEmail = `moved-${randomUUID()}@example.com`;
      expectStatus('change email', await client.post(`${API}/users/me/email`, { newEmail, password: user.password }), 202);
      const mail = await smtp.next(newEmail, 'Confirm your new email address');
      return { newEmail, token: mail.token! };
    }

    it('regenerating the recovery codes voids them (a change of address in flight included), without ending sessions', async () => {
      const { user, session, secret } = await enrolledUser(app);
      const pending = await pendingChange(session.client, user);
      expect((await session.client.get(ME)).body.pendingEmail).toBe(pending.newEmail);

      expectStatus('regenerate', await session.client.post(RECOVERY_CODES, { code: freshCode(app, secret) }), 200);
      expect((await session.client.get(ME)).body.pendingEmail).toBeNull();
      expectError(await app.client().post(`${API}/auth/email/verify`, { token: pending.token }), 400, 'TOKEN_INVALID');
    });

    it('disabling the factor voids them too', async () => {
      const { user, session, secret } = await enrolledUser(app);
      const pending = await pendingChange(session.client, user);
      expectStatus('disable', await session.client.delete(TOTP_ROUTE, { code: freshCode(app, secret) }), 204);
      expect((await session.client.get(ME)).body.pendingEmail).toBeNull();
      expectError(await app.client().post(`${API}/auth/email/verify`, { token: pending.token }), 400, 'TOKEN_INVALID');
    });
  });

  describe('storage at rest', () => {
    /** Spellings of the secret a careless store would hold. */
    function secretSpellings(secret: string): string[] {
      const bytes = Buffer.from(Secret.fromBase32(secret).bytes);
      return [
        secret,
        secret.toLowerCase(),
        bytes.toString('hex'),
        bytes.toString('hex').toUpperCase(),
        bytes.toString('base64'),
        bytes.toString('base64').replace(/=+$/, ''),
        bytes.toString('base64url'),
      ];
    }

    /** Spellings of a recovery code, and its unkeyed SHA-256 in hex and base64. */
    function recoveryCodeSpellings(code: string): string[] {
      const forms = [code, code.toUpperCase(), code.replace('-', ''), code.replace('-', '').toUpperCase()];
      const hashes = forms.flatMap((form) => {
        const digest = createHash('sha256').update(form).digest();
        return [digest.toString('hex'), digest.toString('base64'), digest.toString('base64url')];
      });
      return [...forms, ...hashes];
    }

    function expectAbsent(rows: string[], spellings: string[]): void {
      for (const spelling of spellings) {
        const found = rows.filter((row) => row.includes(spelling));
        expect({ spelling, found }).toEqual({ spelling, found: [] });
      }
    }

    it('the TOTP secret is in no column in clear, pending or enabled (base32, hex or base64 of its bytes)', async () => {
      const { client, user } = await logIn(app, 'body');
      const { secret } = expectStatus('enrol', await client.post(TOTP_ROUTE, { password: user.password }), 200).body;

      const pendingRows: Array<Record<string, unknown>> = await app.dataSource.query('SELECT * FROM mfa_totp WHERE user_id = $1', [user.id]);
      expect(pendingRows).toHaveLength(1);
      expectAbsent(
        pendingRows.map((row) => JSON.stringify(Object.values(row).map((value) => (Buffer.isBuffer(value) ? value.toString('hex') : String(value))))),
        secretSpellings(secret),
      );
      const wholeDatabase = await everyRowAsJson(app);
      expect(wholeDatabase.filter((row) => row.startsWith('mfa_totp: ') && row.includes(user.id))).toHaveLength(1);
      expectAbsent(wholeDatabase, secretSpellings(secret));

      const { recoveryCodes } = expectStatus('confirm', await client.post(CONFIRM, { code: totpAt(app, secret) }), 200).body;
      const rows: Array<Record<string, unknown>> = await app.dataSource.query('SELECT * FROM mfa_totp WHERE user_id = $1', [user.id]);
      expect(rows).toHaveLength(1);
      const columns = rows.map((row) => JSON.stringify(Object.values(row).map((value) => (Buffer.isBuffer(value) ? value.toString('hex') : String(value)))));
      const asJson: Array<{ j: string }> = await app.dataSource.query('SELECT row_to_json(t)::text AS j FROM mfa_totp t WHERE user_id = $1', [user.id]);
      expect(asJson).toHaveLength(1);
      expectAbsent([...columns, ...asJson.map((row) => row.j)], secretSpellings(secret));
      expectAbsent(await everyRowAsJson(app), secretSpellings(secret));

      const codeRows: Array<{ j: string }> = await app.dataSource.query('SELECT row_to_json(t)::text AS j FROM mfa_recovery_codes t WHERE user_id = $1', [user.id]);
      expect(codeRows).toHaveLength(10);
      expectAbsent(
        codeRows.map((row) => row.j),
        (recoveryCodes as string[]).flatMap(recoveryCodeSpellings),
      );
      expectAbsent(await everyRowAsJson(app), (recoveryCodes as string[]).flatMap(recoveryCodeSpellings));
    });
  });

  it('records the events (login_succeeded with its amr) and mails each notice to the user', async () => {
    const { user, session, secret, recoveryCodes } = await enrolledUser(app);
    // A second between the steps, so that no two events share a time and the order shows.
    app.clock.advance(1_000);
    const byRecovery = await mfaLogIn(app, user, { recoveryCode: recoveryCodes[0] });
    app.clock.advance(1_000);
    expectError(await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code: wrongCode(app, secret) }), 401, 'MFA_CODE_INVALID');
    expectStatus('regenerate', await byRecovery.client.post(RECOVERY_CODES, { code: freshCode(app, secret) }), 200);
    const byTotp = await mfaLogIn(app, user, { code: freshCode(app, secret) });
    expectStatus('disable', await byTotp.client.delete(TOTP_ROUTE, { code: freshCode(app, secret) }), 204);
    expectError(await session.client.get(ME), 401, 'SESSION_REVOKED');

    type Item = { type: string; amr: string[] | null; sessionId: string | null };
    let items: Item[] = [];
    const expected = ['mfa_enabled', 'recovery_code_used', 'mfa_failed', 'recovery_codes_regenerated', 'mfa_disabled'];
    await eventually('the MFA events of the journey', async () => {
      items = expectStatus('events', await byTotp.client.get(EVENTS), 200).body.items;
      return expected.every((type) => items.some((item) => item.type === type));
    });
    const logins = items.filter((item) => item.type === 'login_succeeded');
    expect(logins).toContainEqual(expect.objectContaining({ amr: ['pwd'], sessionId: session.sessionId }));
    expect(logins).toContainEqual(expect.objectContaining({ amr: ['pwd', 'recovery_code'], sessionId: byRecovery.response.body.session.id }));
    expect(logins).toContainEqual(expect.objectContaining({ amr: ['pwd', 'otp'], sessionId: byTotp.response.body.session.id }));
    for (const item of items.filter((candidate) => candidate.type !== 'login_succeeded'))
      expect({ type: item.type, amr: item.amr }).toEqual({ type: item.type, amr: null });
    // Newest first: the journey's order, read backwards.
    const order = items.map((item) => item.type).filter((type) => expected.includes(type));
    expect(order).toEqual([...expected].reverse());

    await outboxDrained(app.dataSource);
    const queued = await queuedMails(app.dataSource, user.id);
    const mfaMails = queued.filter((mail) => MFA_MAIL_KINDS.includes(mail.kind));
    expect(mfaMails.map((mail) => mail.kind)).toEqual(['mfa_enabled', 'recovery_code_used', 'recovery_codes_regenerated', 'mfa_disabled']);
    for (const mail of mfaMails) expect(mail.recipient).toBe(user.email);
    // Delivered over SMTP to the user, each naming the address.
    await eventually('the notices delivered over SMTP', () => smtp.for(user.email).length >= mfaMails.length);
    for (const mail of smtp.for(user.email)) expect(mail.text).toContain(user.email);
  });

  describe('OpenAPI document', () => {
    const ACCESS = ['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'SESSION_REVOKED'];
    const ROUTES: Array<[string, string, number, string[]]> = [
      ['get', '/api/v1/users/me/mfa', 200, ACCESS],
      ['post', '/api/v1/users/me/mfa/totp', 200, ['VALIDATION_FAILED', 'INVALID_CREDENTIALS', 'MFA_ALREADY_ENABLED', 'CSRF_TOKEN_INVALID', ...ACCESS]],
      [
        'post',
        '/api/v1/users/me/mfa/totp/confirm',
        200,
        ['VALIDATION_FAILED', 'MFA_CODE_INVALID', 'NOT_FOUND', 'MFA_ALREADY_ENABLED', 'CSRF_TOKEN_INVALID', ...ACCESS],
      ],
      [
        'delete',
        '/api/v1/users/me/mfa/totp',
        204,
        ['VALIDATION_FAILED', 'MFA_CODE_INVALID', 'MFA_REQUIRED', 'NOT_FOUND', 'RATE_LIMITED', 'CSRF_TOKEN_INVALID', ...ACCESS],
      ],
      [
        'post',
        '/api/v1/users/me/mfa/recovery-codes',
        200,
        ['VALIDATION_FAILED', 'MFA_CODE_INVALID', 'MFA_REQUIRED', 'RATE_LIMITED', 'CSRF_TOKEN_INVALID', ...ACCESS],
      ],
      ['post', '/api/v1/auth/login/mfa', 200, ['VALIDATION_FAILED', 'MFA_TOKEN_INVALID', 'MFA_CODE_INVALID', 'RATE_LIMITED']],
    ];
    let document: any;
    beforeAll(async () => {
      document = expectStatus('openapi', await app.client().get('/docs/openapi.json'), 200).body;
    });

    it.each(ROUTES)('documents %s %s with its success and its error codes', (method, path, success, codes) => {
      const operation = document.paths[path]?.[method];
      expect(operation).toBeDefined();
      expect(operation.responses[String(success)]).toBeDefined();
      const documented = Object.values(operation.responses as Record<string, { description?: string }>)
        .map((response) => response.description ?? '')
        .join(' ');
      const missing = codes.filter((code) => !documented.includes(`\`${code}\``));
      expect({ path, method, missing }).toEqual({ path, method, missing: [] });
    });

    it('documents the challenge answer of POST /auth/login next to the session', () => {
      const login = document.paths['/api/v1/auth/login'].post;
      // The 200 answer with every schema it refers to, followed.
      const seen = new Set<string>();
      const texts: string[] = [];
      const follow = (node: unknown): void => {
        const text = JSON.stringify(node);
        texts.push(text);
        for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
          if (seen.has(name)) continue;
          seen.add(name);
          follow(document.components.schemas[name]);
        }
      };
      follow(login.responses['200']);
      expect(texts.join(' ')).toMatch(/mfaToken/);
    });
  });
});

describe('second factor on a frozen clock', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
    app.clock.freeze();
  });
  afterAll(() => app?.close());

  it('accepts the codes of T-30s and T+30s, refuses those of T-60s and T+60s', async () => {
    const { user, secret } = await enrolledUser(app);
    // Far enough from the confirming step that none of the cases is a replay of it.
    app.clock.advance(10 * TOTP_STEP_MS);
    const attempt = async (offsetMs: number) => app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code: totpAt(app, secret, offsetMs) });

    // In increasing steps, so that an accepted one never makes a later case a replay.
    expectError(await attempt(-2 * TOTP_STEP_MS), 401, 'MFA_CODE_INVALID');
    expect((await attempt(-TOTP_STEP_MS)).status).toBe(200);
    expect((await attempt(TOTP_STEP_MS)).status).toBe(200);
    expectError(await attempt(2 * TOTP_STEP_MS), 401, 'MFA_CODE_INVALID');
  });

  it('the current step works on a frozen clock, once', async () => {
    const { user, secret } = await enrolledUser(app);
    app.clock.advance(10 * TOTP_STEP_MS);
    const code = totpAt(app, secret);
    expect((await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code })).status).toBe(200);
    expectError(await app.client().post(LOGIN_MFA, { mfaToken: await mfaToken(app, user), code }), 401, 'MFA_CODE_INVALID');
  });
});

describe('second factor under the rate limits', () => {
  let app: TestApp;
  // Behind a proxy, so that each case counts from client IPs of its own.
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_LOGIN: '3/1m', RATE_LIMIT_AUTH: '5/1m', TRUST_PROXY: '1' });
  });
  afterAll(() => app?.close());

  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  it('enrolment counts its password checks per user (RATE_LIMIT_LOGIN): the 4th is 429 RATE_LIMITED, whatever the IP', async () => {
    const { client, user } = await logIn(app, 'body');
    for (let attempt = 0; attempt < 3; attempt++) {
      expectError(await client.post(TOTP_ROUTE, { password: 'not the right password' }, { headers: from(`192.0.2.${attempt + 1}`) }), 401, 'INVALID_CREDENTIALS');
    }
    const limited = await client.post(TOTP_ROUTE, { password: user.password }, { headers: from('192.0.2.9') });
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('POST /auth/login/mfa counts against RATE_LIMIT_AUTH per IP, with login', async () => {
    const { user, secret } = await enrolledUser(app);
    const headers = from('198.51.100.7');
    const challenge = expectStatus('challenge', await app.client().post(LOGIN, { email: user.email, password: user.password }, { headers }), 200);
    for (let attempt = 0; attempt < 4; attempt++) {
      expectError(await app.client().post(LOGIN_MFA, { mfaToken: challenge.body.mfaToken, code: wrongCode(app, secret) }, { headers }), 401, 'MFA_CODE_INVALID');
    }
    expectError(await app.client().post(LOGIN_MFA, { mfaToken: challenge.body.mfaToken, code: freshCode(app, secret) }, { headers }), 429, 'RATE_LIMITED');

    // Another IP is served.
    const other = from('198.51.100.8');
    const again = expectStatus('challenge', await app.client().post(LOGIN, { email: user.email, password: user.password }, { headers: other }), 200);
    expect((await app.client().post(LOGIN_MFA, { mfaToken: again.body.mfaToken, code: freshCode(app, secret) }, { headers: other })).status).toBe(200);
  });
});
