import { randomUUID } from 'node:crypto';
import { ApiClient, ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { eventually } from './support/eventually';
import {
  addPasskey,
  PASSKEY_OPTIONS,
  passkeyLogIn,
  passkeysOf,
  PASSKEYS,
  registrationOptions,
  SoftAuthenticator,
  SoftCredential,
  TEST_ORIGIN,
  TEST_RELYING_PARTY,
  TEST_RP_ID,
} from './support/soft-authenticator';
import { SmtpReceiver } from './support/smtp-receiver';
import { startTestApp, TestApp } from './support/test-app';
import { enableTotp, expectStatus } from './support/totp';
import { LoggedInClient, logIn, registerUser } from './support/users';

/**
 * Adding and managing passkeys (API.md "Passkeys (WebAuthn)"), with credentials
 * made by a software authenticator: the registration options, the refusals of
 * a registration, listing, renaming and removing, the second factor's aal2,
 * CSRF, events and mailed notices. Sign-in: passkey-sign-in.e2e-spec.ts.
 */

const EVENTS = '/api/v1/users/me/events?limit=100';
const SESSIONS = '/api/v1/auth/sessions';
const ADDED = 'A passkey was added to your account';
const REMOVED = 'A passkey was removed from your account';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const CHALLENGE_LIFETIME_MS = 5 * 60_000;

function expectPasskeyInvalid(response: ApiResponse): void {
  expectError(response, 400, 'PASSKEY_INVALID');
}

describe('passkeys: adding and managing them', () => {
  const smtp = new SmtpReceiver();
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ ...TEST_RELYING_PARTY, SMTP_URL: await smtp.start() });
  });
  afterAll(async () => {
    await app?.close();
    await smtp.stop();
  });

  /** A new user's body-transport session and a phone of theirs. */
  async function newUser(): Promise<LoggedInClient & { phone: SoftAuthenticator }> {
    return { ...(await logIn(app, 'body')), phone: new SoftAuthenticator() };
  }

  /** A new user with TOTP enabled by their (now aal2) session. */
  async function userWithTotp(): Promise<LoggedInClient & { phone: SoftAuthenticator }> {
    const session = await newUser();
    await enableTotp(session.client, session.user.password, app.clock.now());
    return session;
  }

  /**
   * A new session of `phone`'s owner made aal1 in the database before its first request (so no cache holds it):
   * through the routes, an account with TOTP only ever gets aal2 sessions, and enabling TOTP ends the others.
   */
  async function aal1Session(phone: SoftAuthenticator, credential: SoftCredential): Promise<ApiClient> {
    const { response } = await passkeyLogIn(app, phone, { credential }, { 'x-token-transport': 'body' });
    const session = expectStatus('passkey sign-in', response, 200).body;
    await app.dataSource.query(`UPDATE key_store SET aal = 'aal1', amr = '{pwd}' WHERE id = $1`, [session.session.id]);
    const client = app.client();
    client.bearer = session.accessToken;
    return client;
  }

  describe('registration options', () => {
    it('need the password: a wrong one is 401 INVALID_CREDENTIALS, none is 400 VALIDATION_FAILED, no token is 401 TOKEN_MISSING', async () => {
      const { client } = await newUser();
      expectError(await client.post(PASSKEY_OPTIONS, { password: 'not the right password' }), 401, 'INVALID_CREDENTIALS');
      expectError(await client.post(PASSKEY_OPTIONS, {}), 400, 'VALIDATION_FAILED');
      expectError(await client.post(PASSKEY_OPTIONS), 400, 'VALIDATION_FAILED');
      expectError(await app.client().post(PASSKEY_OPTIONS, { password: 'whatever it is' }), 401, 'TOKEN_MISSING');
    });

    it('ask for a resident key and user verification, with ES256 and RS256 only, the RP, the account and no attestation', async () => {
      const user = await registerUser(app, { name: 'Ann Example' });
      const { client } = await logIn(app, 'body', user);
      const options = await registrationOptions(client, user.password);
      expect(options).toEqual(
        expect.objectContaining({
          rp: { id: TEST_RP_ID, name: 'Auth service' },
          user: { id: expect.any(String), name: user.email, displayName: 'Ann Example' },
          challenge: expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/),
          excludeCredentials: [],
          attestation: 'none',
          timeout: 300_000,
        }),
      );
      expect(options.pubKeyCredParams.map((param) => [param.type, param.alg]).sort()).toEqual([
        ['public-key', -257],
        ['public-key', -7],
      ]);
      expect(options.authenticatorSelection).toEqual(expect.objectContaining({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' }));
    });

    it('carry a user handle that is a random value of the account: 32 bytes, not its id or email, the same across calls, another account’s differs', async () => {
      const { client, user } = await newUser();
      const first = await registrationOptions(client, user.password);
      const second = await registrationOptions(client, user.password);
      const handle = Buffer.from(first.user.id, 'base64url');
      expect(handle).toHaveLength(32);
      for (const identifier of [user.id, user.id.replace(/-/g, ''), user.email]) expect(handle.toString('utf8')).not.toContain(identifier);
      expect(handle.includes(Buffer.from(user.id.replace(/-/g, ''), 'hex'))).toBe(false);
      expect(second.user.id).toBe(first.user.id);
      expect(second.challenge).not.toBe(first.challenge);

      const other = await newUser();
      expect((await registrationOptions(other.client, other.user.password)).user.id).not.toBe(first.user.id);
    });

    it('exclude the account’s passkeys', async () => {
      const { client, user, phone } = await newUser();
      await addPasskey(client, user.password, phone, { alg: 'ES256' });
      await addPasskey(client, user.password, phone, { alg: 'RS256' });
      const options = await registrationOptions(client, user.password);
      expect(options.excludeCredentials!.map(({ id, type }) => ({ id, type }))).toEqual(
        expect.arrayContaining(phone.credentials.map(({ id }) => ({ id, type: 'public-key' }))),
      );
      expect(options.excludeCredentials).toHaveLength(2);
    });
  });

  describe('adding a passkey', () => {
    it('registers an ES256 and an RS256 passkey: 201 with the item, listed oldest first with their names and backup state', async () => {
      const { client, user, phone } = await newUser();
      const es256 = await addPasskey(client, user.password, phone, { alg: 'ES256', name: '  Work laptop  ' });
      app.clock.advance(1_000);
      const rs256 = await addPasskey(client, user.password, phone, { alg: 'RS256', backedUp: true });

      expect(es256.passkey).toEqual({ id: expect.any(String), name: 'Work laptop', createdAt: expect.stringMatching(ISO), lastUsedAt: null, backedUp: false });
      expect(rs256.passkey).toEqual({ id: expect.any(String), name: 'Passkey', createdAt: expect.stringMatching(ISO), lastUsedAt: null, backedUp: true });
      expect(es256.passkey.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await passkeysOf(client)).toEqual([es256.passkey, rs256.passkey]);
    });

    it('refuses a name that is empty once trimmed, longer than 64 characters or with a control character: 400 VALIDATION_FAILED', async () => {
      const { client, user, phone } = await newUser();
      for (const name of ['   ', 'x'.repeat(65), 'line\nbreak', 'bell\u0007']) {
        const registration = phone.register(await registrationOptions(client, user.password), { origin: TEST_ORIGIN });
        expectError(await client.post(PASSKEYS, { response: registration, name }), 400, 'VALIDATION_FAILED');
      }
      expect((await addPasskey(client, user.password, phone, { name: 'x'.repeat(64) })).passkey.name).toBe('x'.repeat(64));
    });

    it('refuses a response to a used challenge: 400 PASSKEY_INVALID', async () => {
      const { client, user, phone } = await newUser();
      const options = await registrationOptions(client, user.password);
      expectStatus('first', await client.post(PASSKEYS, { response: phone.register(options, { origin: TEST_ORIGIN }) }), 201);
      expectPasskeyInvalid(await client.post(PASSKEYS, { response: phone.register(options, { origin: TEST_ORIGIN }) }));
      expect(await passkeysOf(client)).toHaveLength(1);
    });

    it('refuses a response to a challenge older than 5 minutes: 400 PASSKEY_INVALID', async () => {
      const { client, user, phone } = await newUser();
      const options = await registrationOptions(client, user.password);
      app.clock.advance(CHALLENGE_LIFETIME_MS + 1);
      expectPasskeyInvalid(await client.post(PASSKEYS, { response: phone.register(options, { origin: TEST_ORIGIN }) }));
      expect(await passkeysOf(client)).toEqual([]);
    });

    it('refuses a response to another user’s challenge, or to a challenge never issued: 400 PASSKEY_INVALID', async () => {
      const ann = await newUser();
      const bob = await newUser();
      const bobsOptions = await registrationOptions(bob.client, bob.user.password);
      expectPasskeyInvalid(await ann.client.post(PASSKEYS, { response: ann.phone.register(bobsOptions, { origin: TEST_ORIGIN }) }));

      const annsOptions = await registrationOptions(ann.client, ann.user.password);
      const invented = ann.phone.register(annsOptions, { origin: TEST_ORIGIN, challenge: Buffer.from(randomUUID()).toString('base64url') });
      expectPasskeyInvalid(await ann.client.post(PASSKEYS, { response: invented }));
      expect(await passkeysOf(ann.client)).toEqual([]);
    });

    it.each([
      ['another origin', { origin: 'https://evil.example.test' }],
      ['another RP ID', { rpId: 'evil.example.test' }],
      ['no user verification', { userVerified: false }],
      ['a sign-in (webauthn.get) client data', { type: 'webauthn.get' }],
    ])('refuses a response made with %s: 400 PASSKEY_INVALID', async (_label, forged) => {
      const { client, user, phone } = await newUser();
      const options = await registrationOptions(client, user.password);
      expectPasskeyInvalid(await client.post(PASSKEYS, { response: phone.register(options, { origin: TEST_ORIGIN, ...forged }) }));
      expect(await passkeysOf(client)).toEqual([]);
    });

    it('refuses a credential already registered, to this account or another: 400 PASSKEY_INVALID', async () => {
      const ann = await newUser();
      const { credential } = await addPasskey(ann.client, ann.user.password, ann.phone);
      const again = ann.phone.register(await registrationOptions(ann.client, ann.user.password), { origin: TEST_ORIGIN, credential });
      expectPasskeyInvalid(await ann.client.post(PASSKEYS, { response: again }));

      const bob = await newUser();
      const stolen = ann.phone.register(await registrationOptions(bob.client, bob.user.password), { origin: TEST_ORIGIN, credential });
      expectPasskeyInvalid(await bob.client.post(PASSKEYS, { response: stolen }));
      expect(await passkeysOf(ann.client)).toHaveLength(1);
      expect(await passkeysOf(bob.client)).toEqual([]);
    });

    it('a refused attempt uses the challenge up: the right response to it is then refused too', async () => {
      const { client, user, phone } = await newUser();
      const options = await registrationOptions(client, user.password);
      expectPasskeyInvalid(await client.post(PASSKEYS, { response: phone.register(options, { origin: 'https://evil.example.test' }) }));
      expectPasskeyInvalid(await client.post(PASSKEYS, { response: phone.register(options, { origin: TEST_ORIGIN }) }));
    });

    it('records passkey_added for the registering session and mails the notice to the account’s address', async () => {
      const { client, user, phone, sessionId } = await newUser();
      await addPasskey(client, user.password, phone);
      await eventually('the passkey_added event', async () => (await client.get(EVENTS)).body.items.some((item: { type: string }) => item.type === 'passkey_added'));
      const events = (await client.get(EVENTS)).body.items.filter((item: { type: string }) => item.type === 'passkey_added');
      expect(events).toEqual([expect.objectContaining({ type: 'passkey_added', sessionId })]);
      expect((await smtp.next(user.email, ADDED)).text).toContain(user.email);
    });
  });

  describe('managing passkeys', () => {
    it('renames a passkey: 200 with the item, the name trimmed and validated', async () => {
      const { client, user, phone } = await newUser();
      const { passkey } = await addPasskey(client, user.password, phone);
      const renamed = await client.patch(`${PASSKEYS}/${passkey.id}`, { name: '  Phone  ' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toEqual({ ...passkey, name: 'Phone' });
      expect(await passkeysOf(client)).toEqual([renamed.body]);
      expectError(await client.patch(`${PASSKEYS}/${passkey.id}`, { name: '' }), 400, 'VALIDATION_FAILED');
      expectError(await client.patch(`${PASSKEYS}/${passkey.id}`, {}), 400, 'VALIDATION_FAILED');
    });

    it('lists, renames and removes only the account’s own: another user’s passkey or an unknown id is 404 NOT_FOUND, a non-UUID id 400', async () => {
      const ann = await newUser();
      const bob = await newUser();
      const { passkey } = await addPasskey(ann.client, ann.user.password, ann.phone, { name: 'Ann’s phone' });
      expect(await passkeysOf(bob.client)).toEqual([]);
      for (const id of [passkey.id, randomUUID()]) {
        expectError(await bob.client.patch(`${PASSKEYS}/${id}`, { name: 'Mine now' }), 404, 'NOT_FOUND');
        expectError(await bob.client.delete(`${PASSKEYS}/${id}`), 404, 'NOT_FOUND');
      }
      expectError(await ann.client.patch(`${PASSKEYS}/not-a-uuid`, { name: 'Phone' }), 400, 'VALIDATION_FAILED');
      expectError(await ann.client.delete(`${PASSKEYS}/not-a-uuid`), 400, 'VALIDATION_FAILED');
      expect(await passkeysOf(ann.client)).toEqual([passkey]);
    });

    it('removes a passkey: 204, gone from the list, and it no longer signs in', async () => {
      const { client, user, phone } = await newUser();
      const kept = await addPasskey(client, user.password, phone, { name: 'Kept' });
      const removed = await addPasskey(client, user.password, phone, { name: 'Removed' });
      expect((await passkeyLogIn(app, phone, { credential: removed.credential })).response.status).toBe(200);

      const response = await client.delete(`${PASSKEYS}/${removed.passkey.id}`);
      expect(response.status).toBe(204);
      expect(await passkeysOf(client)).toEqual([expect.objectContaining({ id: kept.passkey.id })]);
      expectError((await passkeyLogIn(app, phone, { credential: removed.credential })).response, 401, 'PASSKEY_INVALID');
      expectError(await client.delete(`${PASSKEYS}/${removed.passkey.id}`), 404, 'NOT_FOUND');
    });

    it('removes the only passkey of an account that has a password: 204, and the password still signs in', async () => {
      const { client, user, phone } = await newUser();
      const { passkey } = await addPasskey(client, user.password, phone);
      expect((await client.delete(`${PASSKEYS}/${passkey.id}`)).status).toBe(204);
      expect(await passkeysOf(client)).toEqual([]);
      expect((await logIn(app, 'body', user)).login.status).toBe(200);
    });

    it('refuses to remove the last way in of an account without a password: 409 LAST_SIGN_IN_METHOD, not once it has another passkey', async () => {
      const { client, user, phone } = await newUser();
      const first = await addPasskey(client, user.password, phone);
      const second = await addPasskey(client, user.password, phone);
      // As an account made by a sign-in provider is (the identities suites make them through a provider).
      await app.dataSource.query(`UPDATE users SET password_hash = NULL WHERE id = $1`, [user.id]);
      expect((await client.delete(`${PASSKEYS}/${first.passkey.id}`)).status).toBe(204);
      expectError(await client.delete(`${PASSKEYS}/${second.passkey.id}`), 409, 'LAST_SIGN_IN_METHOD');
      expect(await passkeysOf(client)).toEqual([second.passkey]);
    });

    it('records passkey_removed and mails the notice to the account’s address', async () => {
      const { client, user, phone, sessionId } = await newUser();
      const { passkey } = await addPasskey(client, user.password, phone);
      await addPasskey(client, user.password, phone);
      expectStatus('remove', await client.delete(`${PASSKEYS}/${passkey.id}`), 204);
      await eventually('the passkey_removed event', async () =>
        (await client.get(EVENTS)).body.items.some((item: { type: string }) => item.type === 'passkey_removed'),
      );
      const events = (await client.get(EVENTS)).body.items.filter((item: { type: string }) => item.type === 'passkey_removed');
      expect(events).toEqual([expect.objectContaining({ sessionId })]);
      expect((await smtp.next(user.email, REMOVED)).text).toContain(user.email);
    });
  });

  describe('with a second factor', () => {
    it('an aal2 session adds and removes passkeys', async () => {
      const { client, user, phone } = await userWithTotp();
      const { passkey } = await addPasskey(client, user.password, phone);
      await addPasskey(client, user.password, phone);
      expect((await client.delete(`${PASSKEYS}/${passkey.id}`)).status).toBe(204);
    });

    it('an aal1 session can neither add nor remove one: 403 MFA_REQUIRED', async () => {
      const { client, user, phone } = await userWithTotp();
      const { passkey, credential } = await addPasskey(client, user.password, phone);
      const pending = phone.register(await registrationOptions(client, user.password), { origin: TEST_ORIGIN });
      const aal1 = await aal1Session(phone, credential);
      expect((await aal1.get(SESSIONS)).body).toContainEqual(expect.objectContaining({ current: true, aal: 'aal1' }));

      expectError(await aal1.post(PASSKEY_OPTIONS, { password: user.password }), 403, 'MFA_REQUIRED');
      expectError(await aal1.post(PASSKEYS, { response: pending }), 403, 'MFA_REQUIRED');
      expectError(await aal1.delete(`${PASSKEYS}/${passkey.id}`), 403, 'MFA_REQUIRED');
      expect((await passkeysOf(client)).map(({ id }) => id)).toEqual([passkey.id]);
    });
  });

  describe('cookie transport', () => {
    it('needs the CSRF token on options, add, rename and remove (403 CSRF_TOKEN_INVALID), and works with it', async () => {
      const { client, user } = await logIn(app, 'cookie');
      const phone = new SoftAuthenticator();
      const { passkey } = await addPasskey(client, user.password, phone);
      const registration = phone.register(await registrationOptions(client, user.password), { origin: TEST_ORIGIN });
      const csrfToken = client.csrfToken;
      client.csrfToken = undefined;

      expectError(await client.post(PASSKEY_OPTIONS, { password: user.password }), 403, 'CSRF_TOKEN_INVALID');
      expectError(await client.post(PASSKEYS, { response: registration }), 403, 'CSRF_TOKEN_INVALID');
      expectError(await client.patch(`${PASSKEYS}/${passkey.id}`, { name: 'Renamed' }), 403, 'CSRF_TOKEN_INVALID');
      expectError(await client.delete(`${PASSKEYS}/${passkey.id}`), 403, 'CSRF_TOKEN_INVALID');
      expect(await passkeysOf(client)).toEqual([passkey]);

      client.csrfToken = csrfToken;
      expect((await client.post(PASSKEYS, { response: registration })).status).toBe(201);
      expect((await client.patch(`${PASSKEYS}/${passkey.id}`, { name: 'Renamed' })).status).toBe(200);
      expect((await client.delete(`${PASSKEYS}/${passkey.id}`)).status).toBe(204);
    });
  });
});
