import { randomUUID } from 'node:crypto';
import { ApiClient, ApiResponse, parseSetCookie } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { callbackUrl, followOidcFlow, providerEnv, TestIdp, TestIdpAccount } from './support/oidc-idp';
import { outboxDrained } from './support/outbox';
import { SmtpReceiver } from './support/smtp-receiver';
import { PASSKEY_OPTIONS, PASSKEYS, passkeyLogIn, SoftAuthenticator, TEST_ORIGIN, TEST_RELYING_PARTY } from './support/soft-authenticator';
import { startTestApp, TestApp } from './support/test-app';
import { currentSession, enableTotp, expectStatus, queuedMails, recordQueuedMails, TOTP_STEP_MS, totpCode } from './support/totp';
import { LoggedInClient, logIn, registerUser, TestUser } from './support/users';

/**
 * Linking identities at an OpenID Connect provider to an account, and
 * unlinking them (API.md "Sign-in with OpenID Connect providers"), against a
 * real provider (oidc-provider in a child process) over real HTTP: the start
 * of a link (the password, or a recent sign-in for an account without one;
 * aal2 with a second factor), the callback that links without starting a
 * session, the identity list, an identity another account holds, a link whose
 * account secured itself in between, a link completed in another browser,
 * unlinking (never the last way in), the events and the notice mails.
 */

const API = '/api/v1';
const ME = `${API}/users/me`;
const IDENTITIES = `${API}/users/me/identities`;
const LINK_IDP = `${IDENTITIES}/idp`;
const EVENTS = `${API}/users/me/events?limit=100`;
const ACCESS_COOKIE = '__Host-access_token';
const FLOW_COOKIE = '__Host-oidc_flow';
const RECENT_SIGN_IN_MS = 10 * 60_000;
const NEW_PASSWORD = 'a new and much better passphrase';
const IDP_CLIENT = { clientId: 'auth-service', clientSecret: 'the auth service secret at the test IdP' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface IdentityItem {
  id: string;
  provider: string;
  subject: string;
  email: string | null;
  linkedAt: string;
}

/** A new identity at the provider, with an address no account has. */
function newAccount(overrides: Partial<TestIdpAccount> = {}): TestIdpAccount & { email: string } {
  const id = randomUUID();
  return { sub: `sub-${id}`, email: `work-${id}@corp.example`, email_verified: true, ...overrides };
}

describe('linking identities at an OpenID Connect provider', () => {
  let idp: TestIdp;
  let app: TestApp;
  let appUrl: string;
  let authorizationEndpoint: string;
  const smtp = new SmtpReceiver();

  beforeAll(async () => {
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    idp = await TestIdp.start({ clients: [{ ...IDP_CLIENT, redirectUris: [callbackUrl(appUrl, 'idp')] }] });
    authorizationEndpoint = ((await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string })
      .authorization_endpoint;
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
  });
  afterAll(async () => {
    await app?.close();
    await idp?.stop();
    await smtp.stop();
  });

  /** A new password account signed in with cookies (the CSRF token set), as a browser. */
  function passwordUser(user?: TestUser): Promise<LoggedInClient> {
    return logIn(app, 'cookie', user);
  }

  /** A whole sign-in with `account` at the provider in a new browser: its client (CSRF token set) and the callback. */
  async function signIn(account: TestIdpAccount, returnTo = `${appUrl}/signed-in`): Promise<{ client: ApiClient; callback: ApiResponse }> {
    const client = app.client();
    const redirect = expectStatus('start', await client.get(`${API}/auth/oidc/idp?returnTo=${encodeURIComponent(returnTo)}`), 302);
    await idp.nextLogin(account);
    const callback = await followOidcFlow(client, redirect);
    const csrf = client.cookie('__Host-csrf_token');
    if (csrf) client.csrfToken = csrf;
    return { client, callback };
  }

  /** A new account made by signing in with a new identity (no password), with its fresh session. */
  async function passwordlessUser(): Promise<{ client: ApiClient; account: TestIdpAccount & { email: string }; id: string }> {
    const account = newAccount();
    const { client, callback } = await signIn(account);
    expect(callback.headers.get('location')).toBe(`${appUrl}/signed-in`);
    return { client, account, id: expectStatus('me', await client.get(ME), 200).body.id };
  }

  /** POST /users/me/identities/idp: must be 200 {url}. */
  async function startLink(client: ApiClient, body: Record<string, unknown>): Promise<ApiResponse> {
    return expectStatus('start link', await client.post(LINK_IDP, body), 200);
  }

  /** A whole link of `account` by `client`'s session: the callback's response. */
  async function link(client: ApiClient, account: TestIdpAccount, body: Record<string, unknown>): Promise<ApiResponse> {
    const started = await startLink(client, body);
    await idp.nextLogin(account);
    return followOidcFlow(client, started);
  }

  async function identitiesOf(client: ApiClient): Promise<IdentityItem[]> {
    return expectStatus('identities', await client.get(IDENTITIES), 200).body;
  }

  async function meId(client: ApiClient): Promise<string> {
    return expectStatus('me', await client.get(ME), 200).body.id;
  }

  /** The Location of a 302 as the browser resolves it. */
  function locationOf(response: ApiResponse): URL {
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location')!, appUrl);
  }

  function errorOf(response: ApiResponse): string | null {
    return locationOf(response).searchParams.get('error');
  }

  async function eventsOf(client: ApiClient, type: string): Promise<Array<{ type: string; sessionId: string | null }>> {
    return (expectStatus('events', await client.get(EVENTS), 200).body.items as Array<{ type: string; sessionId: string | null }>).filter(
      (item) => item.type === type,
    );
  }

  describe('linking', () => {
    it('the owner of an address links the identity that met ACCOUNT_EXISTS: {url}, the callback links it without a new session, and it then signs in to that account', async () => {
      const user = await registerUser(app);
      const identity = newAccount({ email: user.email });
      const refused = await signIn(identity);
      expect(errorOf(refused.callback)).toBe('ACCOUNT_EXISTS');

      const owner = await passwordUser(user);
      const accessToken = owner.client.cookie(ACCESS_COOKIE);
      const started = await startLink(owner.client, { password: user.password });
      expect(Object.keys(started.body)).toEqual(['url']);
      const url = new URL(started.body.url);
      expect(url.origin + url.pathname).toBe(authorizationEndpoint);
      expect(Object.fromEntries(url.searchParams)).toEqual(
        expect.objectContaining({
          client_id: IDP_CLIENT.clientId,
          response_type: 'code',
          redirect_uri: callbackUrl(appUrl, 'idp'),
          code_challenge_method: 'S256',
          code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          state: expect.any(String),
          nonce: expect.any(String),
        }),
      );
      expect(started.setCookies.map((line) => parseSetCookie(line).name)).toContain(FLOW_COOKIE);

      await idp.nextLogin(identity);
      const callback = await followOidcFlow(owner.client, started);
      expect(locationOf(callback).href).toBe(`${appUrl}/`);
      expect(callback.setCookies.map((line) => parseSetCookie(line).name)).not.toContain(ACCESS_COOKIE);
      expect(owner.client.cookie(ACCESS_COOKIE)).toBe(accessToken);

      const identities = await identitiesOf(owner.client);
      expect(identities).toEqual([{ id: expect.stringMatching(UUID), provider: 'idp', subject: identity.sub, email: user.email, linkedAt: expect.any(String) }]);
      expect(new Date(identities[0].linkedAt).toISOString()).toBe(identities[0].linkedAt);

      const byIdentity = await signIn(identity);
      expect(byIdentity.callback.headers.get('location')).toBe(`${appUrl}/signed-in`);
      expect(await meId(byIdentity.client)).toBe(user.id);
      expect(await currentSession(byIdentity.client)).toEqual(expect.objectContaining({ aal: 'aal1', amr: ['fed'] }));
    });

    it('an identity with an address of its own; the callback comes back to the returnTo given', async () => {
      const owner = await passwordUser();
      const identity = newAccount();
      const callback = await link(owner.client, identity, { password: owner.user.password, returnTo: '/settings?tab=identities' });
      expect(locationOf(callback).href).toBe(`${appUrl}/settings?tab=identities`);
      expect(await identitiesOf(owner.client)).toEqual([expect.objectContaining({ provider: 'idp', subject: identity.sub, email: identity.email })]);
      expect(await meId((await signIn(identity)).client)).toBe(owner.user.id);
      expectError(await owner.client.post(LINK_IDP, { password: owner.user.password, returnTo: 'https://evil.example/' }), 400, 'VALIDATION_FAILED');
    });

    it('an account with a password must give it: none is 400 VALIDATION_FAILED, a wrong one 401 INVALID_CREDENTIALS; no token 401, no CSRF token 403, an unknown provider 404', async () => {
      const owner = await passwordUser();
      expectError(await owner.client.post(LINK_IDP, {}), 400, 'VALIDATION_FAILED');
      expectError(await owner.client.post(LINK_IDP, { password: 'not the right password' }), 401, 'INVALID_CREDENTIALS');
      expectError(await app.client().post(LINK_IDP, { password: owner.user.password }), 401, 'TOKEN_MISSING');
      const csrfToken = owner.client.csrfToken;
      owner.client.csrfToken = undefined;
      expectError(await owner.client.post(LINK_IDP, { password: owner.user.password }), 403, 'CSRF_TOKEN_INVALID');
      owner.client.csrfToken = csrfToken;
      expectError(await owner.client.post(`${IDENTITIES}/nope`, { password: owner.user.password }), 404, 'NOT_FOUND');
      expect(await identitiesOf(owner.client)).toEqual([]);
    });

    it('an account without a password links in a session started within 10 minutes; after that, 403 REAUTHENTICATION_REQUIRED', async () => {
      const { client, account } = await passwordlessUser();
      app.clock.advance(RECENT_SIGN_IN_MS - 5_000);
      const second = newAccount();
      expect(locationOf(await link(client, second, {})).searchParams.get('error')).toBeNull();
      app.clock.advance(10_000);
      expectError(await client.post(LINK_IDP, {}), 403, 'REAUTHENTICATION_REQUIRED');
      expect((await identitiesOf(client)).map((item) => item.subject).sort()).toEqual([account.sub, second.sub].sort());
    });

    it('an identity another account holds: ?error=IDENTITY_TAKEN, and it stays with its account', async () => {
      const holder = await passwordUser();
      const identity = newAccount();
      expect(errorOf(await link(holder.client, identity, { password: holder.user.password }))).toBeNull();

      const other = await passwordUser();
      const taken = await link(other.client, identity, { password: other.user.password });
      expect(locationOf(taken).origin).toBe(appUrl);
      expect(errorOf(taken)).toBe('IDENTITY_TAKEN');
      expect(await identitiesOf(other.client)).toEqual([]);
      expect(await identitiesOf(holder.client)).toEqual([expect.objectContaining({ subject: identity.sub })]);
      expect(await meId((await signIn(identity)).client)).toBe(holder.user.id);
    });

    it('a link whose account changed its password in between: ?error=REAUTHENTICATION_REQUIRED, nothing linked', async () => {
      const owner = await passwordUser();
      const started = await startLink(owner.client, { password: owner.user.password });
      expectStatus('password change', await owner.client.post(`${ME}/password`, { currentPassword: owner.user.password, newPassword: NEW_PASSWORD }), 204);
      const identity = newAccount();
      await idp.nextLogin(identity);
      const callback = await followOidcFlow(owner.client, started);
      expect(errorOf(callback)).toBe('REAUTHENTICATION_REQUIRED');
      expect(await identitiesOf(owner.client)).toEqual([]);
      // The identity is still nobody's: it makes an account of its own.
      expect(await meId((await signIn(identity)).client)).not.toBe(owner.user.id);
    });

    it('a link started by one account, completed in another browser: 400 OIDC_STATE_INVALID, nothing linked', async () => {
      const owner = await passwordUser();
      const started = await startLink(owner.client, { password: owner.user.password });
      const victim = await passwordUser();
      await idp.nextLogin(newAccount());
      expectError(await followOidcFlow(victim.client, started), 400, 'OIDC_STATE_INVALID');
      expect(await identitiesOf(owner.client)).toEqual([]);
      expect(await identitiesOf(victim.client)).toEqual([]);
    });
  });

  describe('unlinking', () => {
    it('another user’s identity or an unknown id is 404 NOT_FOUND, a non-UUID 400', async () => {
      const ann = await passwordUser();
      expect(errorOf(await link(ann.client, newAccount(), { password: ann.user.password }))).toBeNull();
      const [identity] = await identitiesOf(ann.client);
      const bob = await passwordUser();
      for (const id of [identity.id, randomUUID()]) expectError(await bob.client.delete(`${IDENTITIES}/${id}`), 404, 'NOT_FOUND');
      expectError(await bob.client.delete(`${IDENTITIES}/not-a-uuid`), 400, 'VALIDATION_FAILED');
      expect(await identitiesOf(ann.client)).toEqual([identity]);
    });

    it('an account with a password unlinks its only identity (204), which then no longer signs in to it', async () => {
      const owner = await passwordUser();
      const identity = newAccount();
      await link(owner.client, identity, { password: owner.user.password });
      const [item] = await identitiesOf(owner.client);
      expect((await owner.client.delete(`${IDENTITIES}/${item.id.toUpperCase()}`)).status).toBe(204);
      expect(await identitiesOf(owner.client)).toEqual([]);
      expectError(await owner.client.delete(`${IDENTITIES}/${item.id}`), 404, 'NOT_FOUND');
      expect(await meId((await signIn(identity)).client)).not.toBe(owner.user.id);
    });

    it('the last way in of an account without a password is 409 LAST_SIGN_IN_METHOD; with a second identity the first may go', async () => {
      const { client, account, id } = await passwordlessUser();
      const [first] = await identitiesOf(client);
      expectError(await client.delete(`${IDENTITIES}/${first.id}`), 409, 'LAST_SIGN_IN_METHOD');
      expect(await identitiesOf(client)).toEqual([first]);

      const second = newAccount();
      expect(errorOf(await link(client, second, {}))).toBeNull();
      expect((await client.delete(`${IDENTITIES}/${first.id}`)).status).toBe(204);
      const [left] = await identitiesOf(client);
      expect(left.subject).toBe(second.sub);
      expectError(await client.delete(`${IDENTITIES}/${left.id}`), 409, 'LAST_SIGN_IN_METHOD');

      // The first identity is unknown now, and its address is the account's: never linked back on its own.
      expect(errorOf((await signIn(account)).callback)).toBe('ACCOUNT_EXISTS');
      expect(await meId((await signIn(second)).client)).toBe(id);
    });

    it('an account without a password but with a passkey may unlink its only identity, and the passkey signs in', async () => {
      const { client, id } = await passwordlessUser();
      const phone = new SoftAuthenticator();
      const options = expectStatus('passkey options', await client.post(PASSKEY_OPTIONS, {}), 200).body;
      expectStatus('add passkey', await client.post(PASSKEYS, { response: phone.register(options, { origin: TEST_ORIGIN }) }), 201);

      const [identity] = await identitiesOf(client);
      expect((await client.delete(`${IDENTITIES}/${identity.id}`)).status).toBe(204);
      expect(await identitiesOf(client)).toEqual([]);
      const { response } = await passkeyLogIn(app, phone, {}, { 'x-token-transport': 'body' });
      expect(expectStatus('passkey sign-in', response, 200).body.user.id).toBe(id);
    });
  });

  describe('an account with a second factor', () => {
    it('an aal1 session can neither start a link nor unlink: 403 MFA_REQUIRED; the aal2 session does both', async () => {
      const aal2 = await logIn(app, 'body');
      const { secret } = await enableTotp(aal2.client, aal2.user.password, app.clock.now());
      expect(errorOf(await link(aal2.client, newAccount(), { password: aal2.user.password }))).toBeNull();
      const [identity] = await identitiesOf(aal2.client);

      // Through the routes such an account only gets aal2 sessions: one is made aal1 in the database before its first request.
      const challenge = expectStatus('login', await app.client().post(`${API}/auth/login`, { email: aal2.user.email, password: aal2.user.password }), 200);
      app.clock.advance(TOTP_STEP_MS);
      const completed = expectStatus(
        'login/mfa',
        await app
          .client()
          .post(
            `${API}/auth/login/mfa`,
            { mfaToken: challenge.body.mfaToken, code: totpCode(secret, app.clock.now()) },
            { headers: { 'x-token-transport': 'body' } },
          ),
        200,
      );
      await app.dataSource.query(`UPDATE key_store SET aal = 'aal1', amr = '{pwd}' WHERE id = $1`, [completed.body.session.id]);
      const aal1 = app.client();
      aal1.bearer = completed.body.accessToken;
      expect(await currentSession(aal1)).toEqual(expect.objectContaining({ aal: 'aal1' }));

      expectError(await aal1.post(LINK_IDP, { password: aal2.user.password }), 403, 'MFA_REQUIRED');
      expectError(await aal1.delete(`${IDENTITIES}/${identity.id}`), 403, 'MFA_REQUIRED');
      expect(await identitiesOf(aal2.client)).toEqual([identity]);
      expect((await aal2.client.delete(`${IDENTITIES}/${identity.id}`)).status).toBe(204);
    });
  });

  it('records identity_linked and identity_unlinked for the acting session, and mails both notices to the account’s address', async () => {
    const owner = await passwordUser();
    const identity = newAccount();
    expect(errorOf(await link(owner.client, identity, { password: owner.user.password }))).toBeNull();
    const [item] = await identitiesOf(owner.client);
    expectStatus('unlink', await owner.client.delete(`${IDENTITIES}/${item.id}`), 204);

    await eventually('the identity events', async () => (await eventsOf(owner.client, 'identity_unlinked')).length === 1);
    expect(await eventsOf(owner.client, 'identity_linked')).toEqual([expect.objectContaining({ sessionId: owner.sessionId })]);
    expect(await eventsOf(owner.client, 'identity_unlinked')).toEqual([expect.objectContaining({ sessionId: owner.sessionId })]);

    await outboxDrained(app.dataSource);
    const notices = (await queuedMails(app.dataSource, owner.user.id)).filter((mail) => mail.kind.startsWith('identity_'));
    expect(notices).toEqual([
      { kind: 'identity_linked', recipient: owner.user.email },
      { kind: 'identity_unlinked', recipient: owner.user.email },
    ]);
    // Delivered over SMTP to the account's address (the verification mail of the registration, then the two notices), never to the identity's.
    await eventually('the notices delivered over SMTP', () => smtp.for(owner.user.email).length >= 3);
    const delivered = smtp.for(owner.user.email).filter((mail) => !mail.subject.includes('Confirm your email address'));
    expect(delivered).toHaveLength(2);
    for (const mail of delivered) expect(mail.text).toContain(owner.user.email);
    expect(smtp.for(identity.email)).toEqual([]);
  });
});
