import { randomUUID } from 'node:crypto';
import { ApiClient, ApiResponse, parseSetCookie } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { decodeToken } from './support/jws';
import {
  callbackUrl,
  followOidcFlow,
  IdTokenTampering,
  newIdpAccount,
  providerEnv,
  providerRedirect,
  TestIdp,
  TestIdpAccount,
  TestIdpClient,
} from './support/oidc-idp';
import { SmtpReceiver } from './support/smtp-receiver';
import { startTestApp, TestApp } from './support/test-app';
import { currentSession, expectStatus, TOTP_STEP_MS, totpCode } from './support/totp';
import { logIn, registerUser } from './support/users';

/**
 * Signing in with an OpenID Connect provider (API.md "Sign-in with OpenID
 * Connect providers"), against a real provider (oidc-provider in a child
 * process) over real HTTP: the list of providers, the redirect to the provider
 * (code flow, PKCE S256, state, nonce) and its flow cookie, the accounts a new
 * or known identity signs in to (ACCOUNT_EXISTS, never an automatic link), the
 * callbacks refused with 400 OIDC_STATE_INVALID (another browser's, used,
 * expired, unknown, another provider's), the ID tokens refused with
 * ?error=OIDC_FAILED (nonce, aud, iss, signature), a provider that is down,
 * returnTo (no open redirect), the second factor through the MFA cookie, the
 * rules for an account without a password, a disabled account,
 * REQUIRE_VERIFIED_EMAIL and the security events.
 */

const API = '/api/v1';
const PROVIDERS = `${API}/auth/providers`;
const ME = `${API}/users/me`;
const MFA = `${API}/users/me/mfa`;
const LOGIN_MFA = `${API}/auth/login/mfa`;
const IDENTITIES = `${API}/users/me/identities`;
const EVENTS = `${API}/users/me/events?limit=100`;
const SESSION_COOKIES = ['__Host-access_token', '__Host-csrf_token', '__Secure-refresh_token'];
const FLOW_COOKIE = '__Host-oidc_flow';
const MFA_COOKIE = '__Host-mfa_token';
const FLOW_LIFETIME_MS = 10 * 60_000;
const RECENT_SIGN_IN_MS = 10 * 60_000;
const SPA_ORIGIN = 'https://spa.example.test';
const NEW_PASSWORD = 'a new and much better passphrase';

const MAIN_CLIENT = { clientId: 'auth-service', clientSecret: 'the auth service secret at the test IdP' };
const OTHER_CLIENT = { clientId: 'auth-service-other', clientSecret: 'another secret at the test IdP' };
const DOWN_CLIENT = { clientId: 'auth-service-down', clientSecret: 'a secret at the provider that was down' };

/** Ports nothing listens on now, all different. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** The Set-Cookie line of `name` in `response`, parsed. */
function setCookie(response: ApiResponse, name: string) {
  return response.setCookies.map(parseSetCookie).find((cookie) => cookie.name === name);
}

function sessionCookiesOf(client: ApiClient): string[] {
  return client.cookieNames().filter((name) => SESSION_COOKIES.includes(name));
}

describe('sign-in with an OpenID Connect provider', () => {
  let idp: TestIdp;
  let app: TestApp;
  let verifiedApp: TestApp;
  /** The service's own URL, which is also its PUBLIC_URL and APP_URL. */
  let appUrl: string;
  let verifiedAppUrl: string;
  /** Where the provider `down` is configured: nothing listens there at first. */
  let downPort: number;
  let authorizationEndpoint: string;
  let ports: { main: number; verified: number };
  const smtp = new SmtpReceiver();

  /**
   * One provider for the file; the two services run one after the other: two
   * apps alive at once in one process share passport's strategy registry, and
   * the second one's JWT strategy would verify the first one's tokens.
   */
  beforeAll(async () => {
    const [main, verified, closedPort] = await distinctFreePorts(3);
    ports = { main, verified };
    downPort = closedPort;
    appUrl = `http://127.0.0.1:${main}`;
    verifiedAppUrl = `http://127.0.0.1:${verified}`;
    const clients: TestIdpClient[] = [
      { ...MAIN_CLIENT, redirectUris: [callbackUrl(appUrl, 'idp'), callbackUrl(verifiedAppUrl, 'idp')] },
      { ...OTHER_CLIENT, redirectUris: [callbackUrl(appUrl, 'other')] },
    ];
    idp = await TestIdp.start({ clients });
    authorizationEndpoint = ((await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string })
      .authorization_endpoint;
  });
  afterAll(async () => {
    await idp?.stop();
  });

  const startPath = (provider: string, returnTo?: string) =>
    `${API}/auth/oidc/${provider}${returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`}`;

  /** GET /auth/oidc/<provider> in `client`'s browser: must be the 302 to the provider. */
  async function start(client: ApiClient, returnTo?: string, provider = 'idp'): Promise<ApiResponse> {
    return expectStatus('start', await client.get(startPath(provider, returnTo)), 302);
  }

  /** A whole sign-in of `account` in a new browser (of `service`): its client, with the CSRF token of its cookie, and the callback's response. */
  async function signIn(
    account: TestIdpAccount,
    options: { returnTo?: string; service?: TestApp; tamper?: IdTokenTampering } = {},
  ): Promise<{ client: ApiClient; callback: ApiResponse }> {
    const client = (options.service ?? app).client();
    const redirect = await start(client, options.returnTo);
    await idp.nextLogin(account);
    if (options.tamper) await idp.tamperNextIdToken(options.tamper);
    const callback = await followOidcFlow(client, redirect);
    const csrf = client.cookie('__Host-csrf_token');
    if (csrf) client.csrfToken = csrf;
    return { client, callback };
  }

  /** A new identity signed in: a new passwordless account, and its session (cookie transport). */
  async function newPasswordlessAccount(overrides: Partial<TestIdpAccount> = {}) {
    const account = newIdpAccount(overrides);
    const { client, callback } = await signIn(account, { returnTo: `${appUrl}/signed-in` });
    expect(callback.status).toBe(302);
    const me = expectStatus('me', await client.get(ME), 200).body;
    return { account, client, me };
  }

  /** The Location of a 302, as the browser resolves it. */
  function locationOf(response: ApiResponse, base = appUrl): URL {
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location')!, base);
  }

  /** A 302 to `returnTo` (a URL without a query) with `?error=code`, and no session for the browser. */
  function expectErrorRedirect(response: ApiResponse, client: ApiClient, returnTo: string, code: string): void {
    const location = locationOf(response);
    expect({ to: location.origin + location.pathname, error: location.searchParams.get('error') }).toEqual({ to: returnTo, error: code });
    expect(response.setCookies.map((line) => parseSetCookie(line).name)).not.toContain('__Host-access_token');
    expect(sessionCookiesOf(client)).toEqual([]);
  }

  async function usersWithEmail(email: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await app.dataSource.query('SELECT id::text AS id FROM users WHERE email = $1', [email.toLowerCase()]);
    return rows.map((row) => row.id);
  }

  /** Enrols and confirms TOTP for a passwordless account whose session is recent (no password in the body). */
  async function enableTotpWithoutPassword(client: ApiClient): Promise<string> {
    const enrolment = expectStatus('enrol TOTP', await client.post(`${MFA}/totp`, {}), 200);
    const secret: string = enrolment.body.secret;
    expectStatus('confirm TOTP', await client.post(`${MFA}/totp/confirm`, { code: totpCode(secret, app.clock.now()) }), 200);
    return secret;
  }

  describe('one service with the providers idp, other and down', () => {
    beforeAll(async () => {
      app = await startTestApp(
        {
          OIDC_PROVIDERS: 'idp,other,down',
          ...providerEnv('idp', idp.issuer, MAIN_CLIENT),
          ...providerEnv('other', idp.issuer, OTHER_CLIENT),
          OIDC_OTHER_LABEL: 'Other Corp',
          ...providerEnv('down', `http://127.0.0.1:${downPort}`, DOWN_CLIENT),
          PUBLIC_URL: appUrl,
          APP_URL: appUrl,
          CORS_ORIGINS: SPA_ORIGIN,
          SMTP_URL: await smtp.start(),
        },
        { port: ports.main },
      );
    });
    afterAll(async () => {
      await app?.close();
      await smtp.stop();
    });

    describe('the providers and the start of a flow', () => {
      it('GET /auth/providers lists every configured provider as {name, label}, to anyone', async () => {
        const response = await app.client().get(PROVIDERS);
        expect(response.status).toBe(200);
        expect(response.body).toEqual([
          { name: 'idp', label: 'Idp' },
          { name: 'other', label: 'Other Corp' },
          { name: 'down', label: 'Down' },
        ]);
      });

      it('redirects to the provider’s authorization endpoint: code flow, PKCE S256, state, nonce, the callback and the scopes', async () => {
        const first = new URL((await start(app.client())).headers.get('location')!);
        expect(first.origin + first.pathname).toBe(authorizationEndpoint);
        const params = Object.fromEntries(first.searchParams);
        expect(params).toEqual(
          expect.objectContaining({
            client_id: MAIN_CLIENT.clientId,
            response_type: 'code',
            redirect_uri: `${appUrl}/api/v1/auth/oidc/idp/callback`,
            code_challenge_method: 'S256',
            code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
            state: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/),
            nonce: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/),
          }),
        );
        expect(params.scope.split(' ').sort()).toEqual(['email', 'openid', 'profile']);

        const second = Object.fromEntries(new URL((await start(app.client())).headers.get('location')!).searchParams);
        for (const name of ['state', 'nonce', 'code_challenge']) expect(second[name]).not.toBe(params[name]);
      });

      it('sets the flow cookie: HttpOnly, Secure, SameSite=Lax, Path=/, Max-Age=600; a second flow in the same browser keeps its value', async () => {
        const client = app.client();
        const response = await start(client);
        const cookie = setCookie(response, FLOW_COOKIE);
        expect(cookie).toBeDefined();
        expect(cookie!.value).not.toBe('');
        const { attributes } = cookie!;
        expect({ ...attributes, samesite: String(attributes.samesite).toLowerCase() }).toEqual({
          httponly: true,
          secure: true,
          samesite: 'lax',
          path: '/',
          'max-age': '600',
        });
        const value = client.cookie(FLOW_COOKIE);
        await start(client);
        expect(client.cookie(FLOW_COOKIE)).toBe(value);
      });

      it('an unknown provider is 404 NOT_FOUND, with no flow cookie', async () => {
        const client = app.client();
        expectError(await client.get(startPath('nope')), 404, 'NOT_FOUND');
        expectError(await client.get(startPath('IDP')), 404, 'NOT_FOUND');
        expect(client.cookieNames()).toEqual([]);
      });

      it('refuses a returnTo off APP_URL and CORS_ORIGINS: 400 VALIDATION_FAILED, no flow cookie (no open redirect)', async () => {
        const { port } = new URL(appUrl);
        const refused = [
          'https://evil.example/after',
          '//evil.example/after',
          '/\\evil.example/after',
          `${appUrl}.evil.example/after`,
          `http://127.0.0.1:${port}@evil.example/after`,
          `https://127.0.0.1:${port}/after`,
          `${SPA_ORIGIN}.evil.example/after`,
          'http://spa.example.test/after',
          'javascript:alert(1)',
        ];
        for (const returnTo of refused) {
          const client = app.client();
          const response = await client.get(startPath('idp', returnTo));
          expect({ returnTo, status: response.status }).toEqual({ returnTo, status: 400 });
          expectError(response, 400, 'VALIDATION_FAILED');
          expect(client.cookieNames()).toEqual([]);
        }
      });

      it('accepts a path on APP_URL, a URL under APP_URL and a URL on a CORS_ORIGINS origin, and comes back there signed in', async () => {
        for (const [returnTo, expected] of [
          ['/after?tab=1', `${appUrl}/after?tab=1`],
          [`${appUrl}/deep/page`, `${appUrl}/deep/page`],
          [`${SPA_ORIGIN}/welcome`, `${SPA_ORIGIN}/welcome`],
        ]) {
          const { client, callback } = await signIn(newIdpAccount(), { returnTo });
          expect({ returnTo, location: locationOf(callback).href }).toEqual({ returnTo, location: expected });
          expect(sessionCookiesOf(client).sort()).toEqual(SESSION_COOKIES);
        }
      });

      it('without returnTo, comes back to APP_URL', async () => {
        const { client, callback } = await signIn(newIdpAccount());
        expect(locationOf(callback).href).toBe(`${appUrl}/`);
        expect(sessionCookiesOf(client).sort()).toEqual(SESSION_COOKIES);
      });
    });

    describe('a new identity', () => {
      it('creates a passwordless account with a verified address, and a session in cookies (aal1, amr ["fed"]); 302 to returnTo', async () => {
        const account = newIdpAccount({ email_verified: true });
        const returnTo = `${appUrl}/signed-in`;
        const { client, callback } = await signIn(account, { returnTo });
        expect(callback.status).toBe(302);
        expect(callback.headers.get('location')).toBe(returnTo);
        expect(sessionCookiesOf(client).sort()).toEqual(SESSION_COOKIES);

        const me = await client.get(ME);
        expect(me.status).toBe(200);
        expect(me.body).toEqual(expect.objectContaining({ email: account.email, emailVerified: true, hasPassword: false, mfaEnabled: false, pendingEmail: null }));
        expect(await usersWithEmail(account.email)).toEqual([me.body.id]);
        expect(await currentSession(client)).toEqual(expect.objectContaining({ aal: 'aal1', amr: ['fed'] }));
        expect(decodeToken(client.cookie('__Host-access_token')!).claims).toEqual(expect.objectContaining({ sub: me.body.id, aal: 'aal1', amr: ['fed'] }));
        // The session works for unsafe methods too (CSRF token from its cookie).
        expect((await client.patch(ME, { name: 'Renamed' })).status).toBe(200);
      });

      it.each<[string, Partial<TestIdpAccount>]>([
        ['email_verified false', { email_verified: false }],
        ['no email_verified claim', { email_verified: undefined }],
      ])('%s: the account’s address is not verified', async (_label, overrides) => {
        const { me } = await newPasswordlessAccount(overrides);
        expect(me).toEqual(expect.objectContaining({ emailVerified: false, hasPassword: false }));
      });

      it('the same identity again signs in to the same account: no second account', async () => {
        const { account, me } = await newPasswordlessAccount();
        const again = await signIn(account, { returnTo: `${appUrl}/again` });
        expect(again.callback.headers.get('location')).toBe(`${appUrl}/again`);
        expect(expectStatus('me', await again.client.get(ME), 200).body.id).toBe(me.id);
        expect(await usersWithEmail(account.email)).toEqual([me.id]);
        const sessions = expectStatus('sessions', await again.client.get(`${API}/auth/sessions`), 200).body;
        expect(sessions).toHaveLength(2);
      });

      it('an identity known by its sub signs in even when the provider now gives another address', async () => {
        const { account, me } = await newPasswordlessAccount();
        const again = await signIn({ ...account, email: `moved-${randomUUID()}@example.com` }, { returnTo: `${appUrl}/again` });
        expect(again.callback.headers.get('location')).toBe(`${appUrl}/again`);
        expect(expectStatus('me', await again.client.get(ME), 200).body.id).toBe(me.id);
      });

      it('an ID token without the address: the address comes from userinfo', async () => {
        const account = newIdpAccount({ email_verified: true });
        const before = (await idp.state()).tamperedResponses;
        const { client, callback } = await signIn(account, { returnTo: `${appUrl}/signed-in`, tamper: { omitEmail: true } });
        expect((await idp.state()).tamperedResponses).toBe(before + 1);
        expect(callback.headers.get('location')).toBe(`${appUrl}/signed-in`);
        expect(expectStatus('me', await client.get(ME), 200).body).toEqual(expect.objectContaining({ email: account.email, emailVerified: true }));
      });

      it('records register, then login_succeeded with amr ["fed"] and the session', async () => {
        const { client } = await newPasswordlessAccount();
        const session = (expectStatus('sessions', await client.get(`${API}/auth/sessions`), 200).body as Array<{ id: string; current: boolean }>).find(
          (item) => item.current,
        )!;
        type Item = { type: string; amr: string[] | null; sessionId: string | null };
        let items: Item[] = [];
        await eventually('the register and login_succeeded events', async () => {
          items = expectStatus('events', await client.get(EVENTS), 200).body.items;
          return ['register', 'login_succeeded'].every((type) => items.some((item) => item.type === type));
        });
        expect(items.map((item) => item.type)).toEqual(['login_succeeded', 'register']);
        expect(items[0]).toEqual(expect.objectContaining({ type: 'login_succeeded', amr: ['fed'], sessionId: session.id }));
      });
    });

    describe('an identity whose address an account already has', () => {
      it.each<[string, (email: string) => string]>([
        ['the same address', (email) => email],
        ['the same address in other case', (email) => email.toUpperCase()],
      ])('%s: ?error=ACCOUNT_EXISTS, no session, nothing linked, no second account', async (_label, asProviderSays) => {
        const user = await registerUser(app);
        const client = app.client();
        const redirect = await start(client, `${appUrl}/signed-in`);
        await idp.nextLogin(newIdpAccount({ email: asProviderSays(user.email), email_verified: true }));
        const callback = await followOidcFlow(client, redirect);
        expectErrorRedirect(callback, client, `${appUrl}/signed-in`, 'ACCOUNT_EXISTS');

        expect(await usersWithEmail(user.email)).toEqual([user.id]);
        const owner = await logIn(app, 'body', user);
        expect(expectStatus('identities', await owner.client.get(IDENTITIES), 200).body).toEqual([]);
      });

      it('appends &error= to a returnTo that has a query', async () => {
        const user = await registerUser(app);
        const client = app.client();
        const redirect = await start(client, '/after?tab=1');
        await idp.nextLogin(newIdpAccount({ email: user.email }));
        const location = locationOf(await followOidcFlow(client, redirect));
        expect(location.origin + location.pathname).toBe(`${appUrl}/after`);
        expect(Object.fromEntries(location.searchParams)).toEqual({ tab: '1', error: 'ACCOUNT_EXISTS' });
      });
    });

    describe('callbacks this browser did not start, or too late: 400 OIDC_STATE_INVALID', () => {
      it('the callback of another browser’s flow, in a browser without a flow and in one with a flow of its own', async () => {
        const owner = app.client();
        const redirect = await start(owner, `${appUrl}/signed-in`);
        await idp.nextLogin(newIdpAccount());
        const { callbackUrl: url } = await providerRedirect(redirect);
        const callback = new URL(url);

        const stranger = app.client();
        expectError(await stranger.get(callback.pathname + callback.search), 400, 'OIDC_STATE_INVALID');
        const withOwnFlow = app.client();
        await start(withOwnFlow);
        expectError(await withOwnFlow.get(callback.pathname + callback.search), 400, 'OIDC_STATE_INVALID');
        expect([...sessionCookiesOf(stranger), ...sessionCookiesOf(withOwnFlow)]).toEqual([]);
      });

      it('a callback used once already', async () => {
        const client = app.client();
        const redirect = await start(client, `${appUrl}/signed-in`);
        await idp.nextLogin(newIdpAccount());
        const { callbackUrl: url } = await providerRedirect(redirect);
        const callback = new URL(url);
        expect(locationOf(await client.get(callback.pathname + callback.search)).href).toBe(`${appUrl}/signed-in`);
        expectError(await client.get(callback.pathname + callback.search), 400, 'OIDC_STATE_INVALID');
      });

      it('a flow older than 10 minutes; one just under 10 minutes old still completes', async () => {
        async function callbackAfter(ms: number): Promise<{ client: ApiClient; response: ApiResponse }> {
          const client = app.client();
          const redirect = await start(client, `${appUrl}/signed-in`);
          await idp.nextLogin(newIdpAccount());
          const { callbackUrl: url } = await providerRedirect(redirect);
          app.clock.advance(ms);
          const callback = new URL(url);
          return { client, response: await client.get(callback.pathname + callback.search) };
        }
        const late = await callbackAfter(FLOW_LIFETIME_MS + 1_000);
        expectError(late.response, 400, 'OIDC_STATE_INVALID');
        expect(sessionCookiesOf(late.client)).toEqual([]);

        const inTime = await callbackAfter(FLOW_LIFETIME_MS - 5_000);
        expect(locationOf(inTime.response).href).toBe(`${appUrl}/signed-in`);
        expect(sessionCookiesOf(inTime.client).sort()).toEqual(SESSION_COOKIES);
      });

      it('an unknown state, no state, and the state of a flow at another provider', async () => {
        const client = app.client();
        const redirect = await start(client, `${appUrl}/signed-in`);
        await idp.nextLogin(newIdpAccount());
        const callback = new URL((await providerRedirect(redirect)).callbackUrl);
        const code = callback.searchParams.get('code')!;
        expect(code).toBeTruthy();

        expectError(await client.get(`${API}/auth/oidc/idp/callback?code=${code}&state=${randomUUID()}`), 400, 'OIDC_STATE_INVALID');
        expectError(await client.get(`${API}/auth/oidc/idp/callback?code=${code}`), 400, 'OIDC_STATE_INVALID');
        expectError(await client.get(`${API}/auth/oidc/other/callback${callback.search}`), 400, 'OIDC_STATE_INVALID');
        expect(sessionCookiesOf(client)).toEqual([]);
      });

      it('two flows started in one browser (two tabs) both complete', async () => {
        const client = app.client();
        const first = await start(client, `${appUrl}/first`);
        const second = await start(client, `${appUrl}/second`);
        const [ann, bob] = [newIdpAccount(), newIdpAccount()];
        await idp.nextLogin(ann);
        const firstCallback = new URL((await providerRedirect(first)).callbackUrl);
        await idp.nextLogin(bob);
        const secondCallback = new URL((await providerRedirect(second)).callbackUrl);

        expect(locationOf(await client.get(firstCallback.pathname + firstCallback.search)).href).toBe(`${appUrl}/first`);
        expect(locationOf(await client.get(secondCallback.pathname + secondCallback.search)).href).toBe(`${appUrl}/second`);
        expect(expectStatus('me', await client.get(ME), 200).body.email).toBe(bob.email);
        expect(await usersWithEmail(ann.email)).toHaveLength(1);
      });
    });

    describe('failures at the provider or in its answer: 302 with ?error=OIDC_FAILED, no session', () => {
      it.each<[string, IdTokenTampering]>([
        ['another nonce', { nonce: 'not-the-nonce-of-this-flow' }],
        ['another audience', { aud: 'some-other-client' }],
        ['another issuer', { iss: 'https://evil.example' }],
        ['a signature by another key with the provider’s kid', { badSignature: true }],
      ])('an ID token with %s', async (_label, tamper) => {
        const account = newIdpAccount();
        const before = (await idp.state()).tamperedResponses;
        const { client, callback } = await signIn(account, { returnTo: `${appUrl}/signed-in`, tamper });
        expect((await idp.state()).tamperedResponses).toBe(before + 1);
        expectErrorRedirect(callback, client, `${appUrl}/signed-in`, 'OIDC_FAILED');
        expect(await usersWithEmail(account.email)).toEqual([]);
      });

      it('the provider’s error answer (access_denied), and a code the provider never issued', async () => {
        for (const change of [
          (callback: URL) => {
            callback.searchParams.delete('code');
            callback.searchParams.set('error', 'access_denied');
          },
          (callback: URL) => callback.searchParams.set('code', 'not-a-code-of-the-provider'),
        ]) {
          const account = newIdpAccount();
          const client = app.client();
          const redirect = await start(client, `${appUrl}/signed-in`);
          await idp.nextLogin(account);
          const callback = new URL((await providerRedirect(redirect)).callbackUrl);
          change(callback);
          expectErrorRedirect(await client.get(callback.pathname + callback.search), client, `${appUrl}/signed-in`, 'OIDC_FAILED');
          expect(await usersWithEmail(account.email)).toEqual([]);
        }
      });

      it('a provider that is down: 302 to returnTo with ?error=OIDC_FAILED, the service carries on, and the provider works once it is up', async () => {
        const client = app.client();
        const down = await client.get(startPath('down', `${appUrl}/signed-in`));
        expectErrorRedirect(down, client, `${appUrl}/signed-in`, 'OIDC_FAILED');
        expect((await app.client().get(PROVIDERS)).status).toBe(200);
        expect((await app.client().get('/health/ready')).status).toBe(200);
        const { callback } = await signIn(newIdpAccount(), { returnTo: `${appUrl}/signed-in` });
        expect(callback.headers.get('location')).toBe(`${appUrl}/signed-in`);

        const upLater = await TestIdp.start({ port: downPort, clients: [{ ...DOWN_CLIENT, redirectUris: [callbackUrl(appUrl, 'down')] }] });
        try {
          const browser = app.client();
          const redirect = await start(browser, `${appUrl}/signed-in`, 'down');
          expect(redirect.headers.get('location')!.startsWith(`${upLater.issuer}/`)).toBe(true);
          const account = newIdpAccount();
          await upLater.nextLogin(account);
          expect((await followOidcFlow(browser, redirect)).headers.get('location')).toBe(`${appUrl}/signed-in`);
          expect(expectStatus('me', await browser.get(ME), 200).body.email).toBe(account.email);
        } finally {
          await upLater.stop();
        }
      });
    });

    describe('an account with a second factor', () => {
      it('the callback starts no session: the MFA cookie and a 302 to APP_URL/mfa; /auth/login/mfa with the code alone completes it (aal2, ["fed","otp"])', async () => {
        const { account, client: enrolling, me } = await newPasswordlessAccount();
        const secret = await enableTotpWithoutPassword(enrolling);

        const { client, callback } = await signIn(account, { returnTo: `${appUrl}/signed-in` });
        expect(callback.status).toBe(302);
        expect(callback.headers.get('location')).toBe(`${appUrl}/mfa`);
        expect(sessionCookiesOf(client)).toEqual([]);
        const cookie = setCookie(callback, MFA_COOKIE);
        expect(cookie).toBeDefined();
        expect(cookie!.value).not.toBe('');
        expect({ ...cookie!.attributes, samesite: String(cookie!.attributes.samesite).toLowerCase() }).toEqual({
          httponly: true,
          secure: true,
          samesite: 'strict',
          path: '/',
          'max-age': '300',
        });

        app.clock.advance(TOTP_STEP_MS);
        const completed = await client.post(LOGIN_MFA, { code: totpCode(secret, app.clock.now()) });
        expect(completed.status).toBe(200);
        expect(completed.body).toEqual(expect.objectContaining({ user: expect.objectContaining({ id: me.id, mfaEnabled: true }), csrfToken: expect.any(String) }));
        expect(sessionCookiesOf(client).sort()).toEqual(SESSION_COOKIES);
        client.csrfToken = completed.body.csrfToken;
        expect(await currentSession(client)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['fed', 'otp'] }));
        // The MFA cookie is cleared, and used up.
        const cleared = setCookie(completed, MFA_COOKIE);
        expect(cleared).toBeDefined();
        expect(cleared!.attributes['max-age'] === '0' || new Date(String(cleared!.attributes.expires)).getTime() < Date.now()).toBe(true);
        expect(client.cookieNames()).not.toContain(MFA_COOKIE);
        client.setCookie(MFA_COOKIE, cookie!.value);
        app.clock.advance(TOTP_STEP_MS);
        const replayed = await client.post(LOGIN_MFA, { code: totpCode(secret, app.clock.now()) });
        expect(replayed.status).toBe(401);
        expect(replayed.body.code).toBe('MFA_TOKEN_INVALID');

        await eventually('the login_succeeded event with ["fed","otp"]', async () =>
          (expectStatus('events', await client.get(EVENTS), 200).body.items as Array<{ type: string; amr: string[] | null }>).some(
            (item) => item.type === 'login_succeeded' && JSON.stringify(item.amr) === JSON.stringify(['fed', 'otp']),
          ),
        );
      });
    });

    describe('an account an admin disabled', () => {
      it('the callback answers ?error=ACCOUNT_DISABLED and starts no session; enabled again, the identity signs in', async () => {
        const { account, me } = await newPasswordlessAccount();
        const admin = await logIn(app, 'body', await registerUser(app, { roles: ['admin'] }));
        expectStatus('disable', await admin.client.patch(`${API}/admin/users/${me.id}`, { disabled: true }), 200);

        const refused = await signIn(account, { returnTo: `${appUrl}/signed-in` });
        expectErrorRedirect(refused.callback, refused.client, `${appUrl}/signed-in`, 'ACCOUNT_DISABLED');

        expectStatus('enable', await admin.client.patch(`${API}/admin/users/${me.id}`, { disabled: false }), 200);
        const again = await signIn(account, { returnTo: `${appUrl}/signed-in` });
        expect(again.callback.headers.get('location')).toBe(`${appUrl}/signed-in`);
        expect(expectStatus('me', await again.client.get(ME), 200).body.id).toBe(me.id);
      });
    });

    describe('an account without a password', () => {
      it('password-checked routes answer 403 PASSWORD_NOT_SET: password change, account deletion, change of address', async () => {
        const { client, account, me } = await newPasswordlessAccount();
        expectError(await client.post(`${ME}/password`, { currentPassword: 'whatever it may be', newPassword: NEW_PASSWORD }), 403, 'PASSWORD_NOT_SET');
        expectError(await client.delete(ME, { password: 'whatever it may be' }), 403, 'PASSWORD_NOT_SET');
        expectError(await client.post(`${ME}/email`, { newEmail: `new-${randomUUID()}@example.com`, password: 'whatever it may be' }), 403, 'PASSWORD_NOT_SET');
        expect(expectStatus('me', await client.get(ME), 200).body).toEqual(
          expect.objectContaining({ id: me.id, email: account.email, pendingEmail: null, hasPassword: false }),
        );
      });

      it('forgot-password sets a password: then it logs in with it, and the identity still signs in', async () => {
        const { account, me } = await newPasswordlessAccount();
        expect((await app.client().post(`${API}/auth/password/forgot`, { email: account.email })).status).toBe(202);
        const { token } = await smtp.next(account.email, 'Reset your password');
        expect((await app.client().post(`${API}/auth/password/reset`, { token, newPassword: NEW_PASSWORD })).status).toBe(204);

        const byPassword = await logIn(app, 'body', { id: me.id, email: account.email, password: NEW_PASSWORD });
        expect(expectStatus('me', await byPassword.client.get(ME), 200).body).toEqual(expect.objectContaining({ id: me.id, hasPassword: true }));
        const again = await signIn(account, { returnTo: `${appUrl}/signed-in` });
        expect(expectStatus('me', await again.client.get(ME), 200).body.id).toBe(me.id);
      });

      it('enrols TOTP without a password in a session started within 10 minutes; after that, 403 REAUTHENTICATION_REQUIRED', async () => {
        const { account, client } = await newPasswordlessAccount();
        app.clock.advance(RECENT_SIGN_IN_MS - 5_000);
        expect((await client.post(`${MFA}/totp`, {})).status).toBe(200);
        app.clock.advance(10_000);
        expectError(await client.post(`${MFA}/totp`, {}), 403, 'REAUTHENTICATION_REQUIRED');
        expect(expectStatus('mfa', await client.get(MFA), 200).body.totp.enabled).toBe(false);

        const fresh = await signIn(account, { returnTo: `${appUrl}/signed-in` });
        expect((await fresh.client.post(`${MFA}/totp`, {})).status).toBe(200);
      });
    });
  });

  describe('with REQUIRE_VERIFIED_EMAIL=true', () => {
    beforeAll(async () => {
      verifiedApp = await startTestApp(
        {
          OIDC_PROVIDERS: 'idp',
          ...providerEnv('idp', idp.issuer, MAIN_CLIENT),
          PUBLIC_URL: verifiedAppUrl,
          APP_URL: verifiedAppUrl,
          REQUIRE_VERIFIED_EMAIL: 'true',
        },
        { port: ports.verified },
      );
    });
    afterAll(() => verifiedApp?.close());

    it('an identity whose address the provider has not verified: ?error=EMAIL_NOT_VERIFIED and no session; a verified one signs in', async () => {
      const unverified = await signIn(newIdpAccount({ email_verified: false }), { service: verifiedApp, returnTo: `${verifiedAppUrl}/signed-in` });
      expectErrorRedirect(unverified.callback, unverified.client, `${verifiedAppUrl}/signed-in`, 'EMAIL_NOT_VERIFIED');

      const verified = await signIn(newIdpAccount({ email_verified: true }), { service: verifiedApp, returnTo: `${verifiedAppUrl}/signed-in` });
      expect(verified.callback.headers.get('location')).toBe(`${verifiedAppUrl}/signed-in`);
      expect(sessionCookiesOf(verified.client).sort()).toEqual(SESSION_COOKIES);
    });
  });
});
