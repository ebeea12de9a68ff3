import { generateRegistrationOptions } from '@simplewebauthn/server';
import { CacheInvalidation } from '../src/cache/cache-invalidation.service';
import { PasskeyChallenges } from '../src/passkeys/passkey-challenges.service';
import { randomUUID } from 'node:crypto';
import { ApiClient, ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { eventually } from './support/eventually';
import { decodeToken } from './support/jws';
import {
  addPasskey,
  generateKeys,
  PASSKEY_LOGIN,
  PASSKEY_OPTIONS,
  PasskeyAlgorithm,
  PasskeyItem,
  passkeyLogIn,
  passkeysOf,
  SIGN_IN_OPTIONS,
  signInOptions,
  SoftAuthenticator,
  SoftCredential,
  TEST_ORIGIN,
  TEST_RELYING_PARTY,
  TEST_RP_ID,
} from './support/soft-authenticator';
import { startTestApp, TestApp } from './support/test-app';
import { currentSession, enableTotp, expectStatus, TOTP_STEP_MS, totpCode } from './support/totp';
import { LoggedInClient, logIn, registerUser, TEST_PASSWORD, TestUser } from './support/users';

/**
 * Signing in with a passkey (API.md "Passkeys (WebAuthn)"), with credentials
 * made by a software authenticator: discoverable sign-in in both transports,
 * the session's assurance with and without user verification, the second
 * factor, every refusal (401 PASSKEY_INVALID), the signature counter, events,
 * and the rate limits.
 */

const API = '/api/v1';
const LOGIN = `${API}/auth/login`;
const LOGIN_MFA = `${API}/auth/login/mfa`;
const REGISTER = `${API}/auth/register`;
const EVENTS = `${API}/users/me/events?limit=100`;
const BODY = { 'x-token-transport': 'body' };
const COOKIE_NAMES = ['__Host-access_token', '__Host-csrf_token', '__Secure-refresh_token'];
const CHALLENGE_LIFETIME_MS = 5 * 60_000;
const EVIL_ORIGIN = 'https://evil.example.test';
const SECOND_ORIGIN = 'http://localhost:4000';

interface Owner {
  session: LoggedInClient;
  user: TestUser;
  phone: SoftAuthenticator;
  credential: SoftCredential;
  passkey: PasskeyItem;
}

function bearerClient(app: TestApp, accessToken: string): ApiClient {
  const client = app.client();
  client.bearer = accessToken;
  return client;
}

async function eventsOf(client: ApiClient, type: string): Promise<Array<{ type: string; amr: string[] | null; sessionId: string | null }>> {
  return (expectStatus('events', await client.get(EVENTS), 200).body.items as Array<{ type: string; amr: string[] | null; sessionId: string | null }>).filter(
    (item) => item.type === type,
  );
}

describe('passkey sign-in', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ ...TEST_RELYING_PARTY, WEBAUTHN_ORIGINS: `${TEST_ORIGIN},${SECOND_ORIGIN}` });
  });
  afterAll(() => app?.close());

  /** A new user (password session in body transport) with a passkey of `alg` on their phone. */
  async function owner(alg: PasskeyAlgorithm = 'ES256'): Promise<Owner> {
    const session = await logIn(app, 'body');
    const phone = new SoftAuthenticator();
    const { passkey, credential } = await addPasskey(session.client, session.user.password, phone, { alg });
    return { session, user: session.user, phone, credential, passkey };
  }

  /** A new user with TOTP enabled, then a passkey. */
  async function ownerWithTotp(): Promise<Owner & { secret: string }> {
    const session = await logIn(app, 'body');
    const { secret } = await enableTotp(session.client, session.user.password, app.clock.now());
    const phone = new SoftAuthenticator();
    const { passkey, credential } = await addPasskey(session.client, session.user.password, phone);
    return { session, user: session.user, phone, credential, passkey, secret };
  }

  /** POST /auth/passkey/login with `response` to the challenge `challengeId` (cookie transport). */
  function submit(challengeId: string, response: unknown): Promise<ApiResponse> {
    return app.client().post(PASSKEY_LOGIN, { challengeId, response });
  }

  describe('options', () => {
    it('answers a challenge id and request options for a discoverable credential: no allowCredentials, UV preferred, the RP ID', async () => {
      for (const body of [{}, undefined]) {
        const response = await app.client().post(SIGN_IN_OPTIONS, body);
        expect(response.status).toBe(200);
        expect(Object.keys(response.body).sort()).toEqual(['challengeId', 'options']);
        expect(response.body.challengeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(response.body.options).toEqual(
          expect.objectContaining({
            challenge: expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/),
            rpId: TEST_RP_ID,
            allowCredentials: [],
            userVerification: 'preferred',
          }),
        );
      }
      const [first, second] = [await signInOptions(app), await signInOptions(app)];
      expect(second.challengeId).not.toBe(first.challengeId);
      expect(second.options.challenge).not.toBe(first.options.challenge);
    });

    it('the hourly clean-up removes the challenges past their 5 minutes and keeps the live ones', async () => {
      const expired = await signInOptions(app);
      app.clock.advance(CHALLENGE_LIFETIME_MS + 1);
      const live = await signInOptions(app);
      expect(await app.app.get(PasskeyChallenges).deleteExpired()).toBeGreaterThanOrEqual(1);
      const left = await app.dataSource.query('SELECT id FROM passkey_challenges WHERE id = ANY($1)', [[expired.challengeId, live.challengeId]]);
      expect(left).toEqual([{ id: live.challengeId }]);
    });
  });

  describe('signing in', () => {
    it.each<PasskeyAlgorithm>(['ES256', 'RS256'])(
      'a %s passkey that verified the user, body transport: the tokens in the body, aal2 with amr ["hwk","user"]',
      async (alg) => {
        const { user, phone } = await owner(alg);
        const { response } = await passkeyLogIn(app, phone, {}, BODY);
        expect(response.status).toBe(200);
        expect(response.setCookies).toEqual([]);
        expect(Object.keys(response.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'session', 'tokenType', 'user']);
        expect(response.body.user).toEqual(expect.objectContaining({ id: user.id, email: user.email }));
        expect(decodeToken(response.body.accessToken).claims).toEqual(expect.objectContaining({ sub: user.id, aal: 'aal2', amr: ['hwk', 'user'] }));
        expect(await currentSession(bearerClient(app, response.body.accessToken))).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['hwk', 'user'] }));
      },
    );

    it('accepts every origin WEBAUTHN_ORIGINS lists', async () => {
      const { phone } = await owner();
      for (const origin of [TEST_ORIGIN, SECOND_ORIGIN]) expect((await passkeyLogIn(app, phone, { origin })).response.status).toBe(200);
    });

    it('cookie transport: the three cookies and the csrfToken, no token in the body', async () => {
      const { user, phone } = await owner();
      const { client, response } = await passkeyLogIn(app, phone);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['csrfToken', 'session', 'user']);
      expect(response.body.user.id).toBe(user.id);
      expect(client.cookieNames().sort()).toEqual(COOKIE_NAMES);
      expect(decodeToken(client.cookie('__Host-access_token')!).claims).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['hwk', 'user'] }));
      client.csrfToken = response.body.csrfToken;
      expect(await currentSession(client)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['hwk', 'user'] }));
    });

    it('without user verification: aal1 with amr ["hwk"]', async () => {
      const { phone } = await owner();
      const { response } = await passkeyLogIn(app, phone, { userVerified: false }, BODY);
      expect(response.status).toBe(200);
      expect(decodeToken(response.body.accessToken).claims).toEqual(expect.objectContaining({ aal: 'aal1', amr: ['hwk'] }));
      expect(await currentSession(bearerClient(app, response.body.accessToken))).toEqual(expect.objectContaining({ aal: 'aal1', amr: ['hwk'] }));
    });

    it('an account with TOTP, without user verification: the MFA challenge and no session, then /auth/login/mfa gives aal2 ["hwk","otp"]', async () => {
      const { phone, secret } = await ownerWithTotp();
      const { client, response } = await passkeyLogIn(app, phone, { userVerified: false });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ['totp', 'recovery_code'], expiresIn: 300 });
      expect(client.cookieNames()).toEqual([]);

      app.clock.advance(TOTP_STEP_MS);
      const completed = await app.client().post(LOGIN_MFA, { mfaToken: response.body.mfaToken, code: totpCode(secret, app.clock.now()) }, { headers: BODY });
      expect(completed.status).toBe(200);
      expect(await currentSession(bearerClient(app, completed.body.accessToken))).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['hwk', 'otp'] }));
    });

    it('an account with TOTP, with user verification: a session at once, aal2 ["hwk","user"], no second factor asked', async () => {
      const { user, phone } = await ownerWithTotp();
      const { response } = await passkeyLogIn(app, phone, {}, BODY);
      expect(response.status).toBe(200);
      expect(response.body.mfaRequired).toBeUndefined();
      expect(response.body.user).toEqual(expect.objectContaining({ id: user.id, mfaEnabled: true }));
      expect(await currentSession(bearerClient(app, response.body.accessToken))).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['hwk', 'user'] }));
    });

    it('sets lastUsedAt, follows the backup state, and records login_succeeded with the amr and the session', async () => {
      const { session, phone, passkey } = await owner();
      expect(passkey).toEqual(expect.objectContaining({ lastUsedAt: null, backedUp: false }));
      const before = app.clock.now();
      const { response } = await passkeyLogIn(app, phone, { backedUp: true }, BODY);
      expectStatus('sign-in', response, 200);

      const [listed] = await passkeysOf(session.client);
      expect(listed).toEqual({ ...passkey, lastUsedAt: expect.any(String), backedUp: true });
      expect(Math.abs(new Date(listed.lastUsedAt!).getTime() - before)).toBeLessThan(60_000);
      await eventually('the passkey login_succeeded event', async () => (await eventsOf(session.client, 'login_succeeded')).length === 2);
      expect(await eventsOf(session.client, 'login_succeeded')).toContainEqual(
        expect.objectContaining({ amr: ['hwk', 'user'], sessionId: response.body.session.id }),
      );
    });

    it('accepts a counter that moves on, and an authenticator whose counter is always 0', async () => {
      const { phone } = await owner();
      for (const counter of [1, 2, 7]) expect((await passkeyLogIn(app, phone, { counter })).response.status).toBe(200);

      const zero = await owner();
      for (let attempt = 0; attempt < 2; attempt++) expect((await passkeyLogIn(app, zero.phone, { counter: 0 })).response.status).toBe(200);
    });
  });

  describe('refusals: 401 PASSKEY_INVALID', () => {
    it.each<[string, (ctx: Owner) => Promise<Parameters<SoftAuthenticator['signIn']>[1]> | Parameters<SoftAuthenticator['signIn']>[1]]>([
      ['another origin', () => ({ origin: EVIL_ORIGIN })],
      ['another RP ID', () => ({ origin: TEST_ORIGIN, rpId: 'evil.example.test' })],
      ['another key’s signature', ({ credential }) => ({ origin: TEST_ORIGIN, signingKey: generateKeys(credential.algorithm).privateKey })],
      ['a credential id the service never registered', () => ({ origin: TEST_ORIGIN, credentialId: Buffer.from(randomUUID()).toString('base64url') })],
      ['a registration (webauthn.create) client data', () => ({ origin: TEST_ORIGIN, type: 'webauthn.create' })],
      ['the userHandle of another account', async () => ({ origin: TEST_ORIGIN, userHandle: (await owner()).credential.userHandle })],
    ])('%s', async (_label, forge) => {
      const ctx = await owner();
      const { challengeId, options } = await signInOptions(app);
      const response = await submit(challengeId, ctx.phone.signIn(options, await forge(ctx)));
      expectError(response, 401, 'PASSKEY_INVALID');
      expect(response.setCookies).toEqual([]);
      expect((await passkeysOf(ctx.session.client))[0].lastUsedAt).toBeNull();
    });

    it('a credential the service never registered, with a valid signature by its own key', async () => {
      const stranger = new SoftAuthenticator();
      stranger.register(await generateRegistrationOptions({ rpName: 'Auth service', rpID: TEST_RP_ID, userName: 'eve@example.com' }), { origin: TEST_ORIGIN });
      expectError((await passkeyLogIn(app, stranger)).response, 401, 'PASSKEY_INVALID');
    });

    it('a replayed assertion: the same challenge id and response a second time', async () => {
      const { phone } = await owner();
      const { challengeId, options } = await signInOptions(app);
      const assertion = phone.signIn(options, { origin: TEST_ORIGIN });
      expect((await submit(challengeId, assertion)).status).toBe(200);
      expectError(await submit(challengeId, assertion), 401, 'PASSKEY_INVALID');
    });

    it('an expired challenge (older than 5 minutes), and a challenge id never issued', async () => {
      const { phone } = await owner();
      const { challengeId, options } = await signInOptions(app);
      app.clock.advance(CHALLENGE_LIFETIME_MS + 1);
      expectError(await submit(challengeId, phone.signIn(options, { origin: TEST_ORIGIN })), 401, 'PASSKEY_INVALID');

      const fresh = await signInOptions(app);
      expectError(await submit(randomUUID(), phone.signIn(fresh.options, { origin: TEST_ORIGIN })), 401, 'PASSKEY_INVALID');
    });

    it('a foreign challenge: the challenge id of one options call with the challenge of another (which stays usable)', async () => {
      const { phone } = await owner();
      const first = await signInOptions(app);
      const second = await signInOptions(app);
      expectError(await submit(first.challengeId, phone.signIn(second.options, { origin: TEST_ORIGIN })), 401, 'PASSKEY_INVALID');
      expect((await submit(second.challengeId, phone.signIn(second.options, { origin: TEST_ORIGIN }))).status).toBe(200);
    });

    it('a refused attempt uses the challenge up: the right assertion to it is then refused too', async () => {
      const { phone } = await owner();
      const { challengeId, options } = await signInOptions(app);
      expectError(await submit(challengeId, phone.signIn(options, { origin: EVIL_ORIGIN })), 401, 'PASSKEY_INVALID');
      expectError(await submit(challengeId, phone.signIn(options, { origin: TEST_ORIGIN })), 401, 'PASSKEY_INVALID');
    });

    it('a counter going backwards, or not moving on: refused, and passkey_clone_suspected recorded for the owner', async () => {
      const { session, phone } = await owner();
      expect((await passkeyLogIn(app, phone, { counter: 5 })).response.status).toBe(200);
      expectError((await passkeyLogIn(app, phone, { counter: 3 })).response, 401, 'PASSKEY_INVALID');
      expectError((await passkeyLogIn(app, phone, { counter: 5 })).response, 401, 'PASSKEY_INVALID');
      await eventually('passkey_clone_suspected', async () => (await eventsOf(session.client, 'passkey_clone_suspected')).length === 2);
      expect((await passkeyLogIn(app, phone, { counter: 6 })).response.status).toBe(200);
    });

    it('a counter going backwards under another key’s signature is a forgery, not a clone: refused, and no passkey_clone_suspected', async () => {
      const { session, phone, credential } = await owner();
      expect((await passkeyLogIn(app, phone, { counter: 5 })).response.status).toBe(200);
      const forged = await passkeyLogIn(app, phone, { counter: 3, signingKey: generateKeys(credential.algorithm).privateKey });
      expectError(forged.response, 401, 'PASSKEY_INVALID');
      expectError((await passkeyLogIn(app, phone, { counter: 4 })).response, 401, 'PASSKEY_INVALID');
      await eventually('passkey_clone_suspected', async () => (await eventsOf(session.client, 'passkey_clone_suspected')).length > 0);
      expect(await eventsOf(session.client, 'passkey_clone_suspected')).toHaveLength(1);
    });

    it('a malformed body is 400 VALIDATION_FAILED', async () => {
      const { challengeId } = await signInOptions(app);
      expectError(await app.client().post(PASSKEY_LOGIN, { challengeId }), 400, 'VALIDATION_FAILED');
      expectError(await app.client().post(PASSKEY_LOGIN, { challengeId: 'not-a-uuid', response: {} }), 400, 'VALIDATION_FAILED');
    });
  });
});

describe('passkey sign-in with REQUIRE_VERIFIED_EMAIL=true', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ ...TEST_RELYING_PARTY, REQUIRE_VERIFIED_EMAIL: 'true' });
  });
  afterAll(() => app?.close());

  /** Sets the account's verified flag as a change of it would: in the database, and out of every instance's profile cache. */
  async function setVerified(userId: string, verified: boolean): Promise<void> {
    const invalidation = app.app.get(CacheInvalidation);
    await app.dataSource.transaction(async (manager) => {
      await manager.query('UPDATE users SET email_verified = $2 WHERE id = $1', [userId, verified]);
      await invalidation.publish(manager, `profile:${userId}`);
    });
  }

  it('refuses an account whose address is not verified with 403 EMAIL_NOT_VERIFIED, as login does', async () => {
    const user = await registerUser(app);
    await setVerified(user.id, true);
    const session = await logIn(app, 'body', user);
    const phone = new SoftAuthenticator();
    await addPasskey(session.client, user.password, phone);
    expect((await passkeyLogIn(app, phone)).response.status).toBe(200);

    // The requirement was turned on after the account had a passkey, say.
    await setVerified(user.id, false);
    expectError((await passkeyLogIn(app, phone)).response, 403, 'EMAIL_NOT_VERIFIED');
  });
});

describe('passkey routes under the rate limits', () => {
  let app: TestApp;
  // Behind a proxy, so that each case counts from client IPs of its own.
  beforeAll(async () => {
    app = await startTestApp({ ...TEST_RELYING_PARTY, RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_AUTH: '3/1m', RATE_LIMIT_LOGIN: '3/1m', TRUST_PROXY: '1' });
  });
  afterAll(() => app?.close());

  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  /** A new user signed in (body transport) from `ip`: register and login, two requests counted there. */
  async function signedInFrom(ip: string): Promise<LoggedInClient> {
    const user = { id: '', email: `user-${randomUUID()}@example.com`, password: TEST_PASSWORD };
    expectStatus('register', await app.client().post(REGISTER, { email: user.email, password: user.password }, { headers: from(ip) }), 201);
    return logIn(app, 'body', user, from(ip));
  }

  it('POST /auth/passkey/options and /auth/passkey/login count against RATE_LIMIT_AUTH per IP, with password login', async () => {
    const session = await signedInFrom('198.51.100.20');
    const phone = new SoftAuthenticator();
    await addPasskey(session.client, session.user.password, phone);
    const headers = from('198.51.100.21');
    expect((await passkeyLogIn(app, phone, {}, headers)).response.status).toBe(200);
    const { challengeId, options } = await signInOptions(app, headers);

    expectError(await app.client().post(SIGN_IN_OPTIONS, {}, { headers }), 429, 'RATE_LIMITED');
    expectError(await app.client().post(PASSKEY_LOGIN, { challengeId, response: phone.signIn(options, { origin: TEST_ORIGIN }) }, { headers }), 429, 'RATE_LIMITED');
    expectError(await app.client().post(LOGIN, { email: 'someone@example.com', password: 'whatever it is' }, { headers }), 429, 'RATE_LIMITED');

    expect((await passkeyLogIn(app, phone, {}, from('198.51.100.22'))).response.status).toBe(200);
  });

  it('registration options count their password checks per user (RATE_LIMIT_LOGIN): the 4th is 429 RATE_LIMITED, whatever the IP', async () => {
    const session = await signedInFrom('198.51.100.30');
    for (let attempt = 0; attempt < 3; attempt++) {
      expectError(
        await session.client.post(PASSKEY_OPTIONS, { password: 'not the right password' }, { headers: from(`192.0.2.${attempt + 1}`) }),
        401,
        'INVALID_CREDENTIALS',
      );
    }
    expectError(await session.client.post(PASSKEY_OPTIONS, { password: session.user.password }, { headers: from('192.0.2.9') }), 429, 'RATE_LIMITED');
  });
});
