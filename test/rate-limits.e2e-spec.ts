import { randomBytes, randomUUID } from 'node:crypto';
import { ApiClient, ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { ServiceProcess, startSecondInstance } from './support/service-process';
import { freePort } from './support/free-port';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, registerUser, TEST_PASSWORD, TestUser } from './support/users';

const LOGIN = '/api/v1/auth/login';
const REGISTER = '/api/v1/auth/register';
const REFRESH = '/api/v1/auth/refresh';
const ME = '/api/v1/users/me';
const WRONG_PASSWORD = 'not the right password';

const LOGIN_LIMIT = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_LOGIN: '3/1m', RATE_LIMIT_AUTH: '1000/1m' };
const WINDOW_SECONDS = 60;

const uniqueEmail = () => `user-${randomUUID()}@example.com`;
const forwardedFor = (ip: string) => ({ 'x-forwarded-for': ip });

/** A body-transport login through `instance` (a test app, or another instance of the service). */
function login(instance: Pick<TestApp, 'client'>, email: string, password: string, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return instance.client().post(LOGIN, { email, password }, { headers: { 'x-token-transport': 'body', ...headers } });
}

/** `count` wrong-password attempts, each answered 401 (none of them limited yet). */
async function failLogins(testApp: TestApp, user: TestUser, count: number, headers?: (attempt: number) => Record<string, string>) {
  for (let attempt = 0; attempt < count; attempt++) {
    expect((await login(testApp, user.email, WRONG_PASSWORD, headers?.(attempt))).status).toBe(401);
  }
}

function expectRateLimited(response: ApiResponse): void {
  expectError(response, 429, 'RATE_LIMITED');
  const retryAfter = response.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  expect(Number(retryAfter)).toBeLessThanOrEqual(WINDOW_SECONDS);
}

describe('rate limits', () => {
  describe('RATE_LIMIT_LOGIN (per client IP and email)', () => {
    let testApp: TestApp;
    beforeAll(async () => {
      testApp = await startTestApp(LOGIN_LIMIT);
    });
    afterAll(() => testApp.close());

    it('answers the 4th attempt for the same email 429 RATE_LIMITED with Retry-After in seconds', async () => {
      const user = await registerUser(testApp);
      await failLogins(testApp, user, 3);
      expectRateLimited(await login(testApp, user.email, WRONG_PASSWORD));
    });

    it('counts successful attempts as well as failed ones, and then refuses the right password too', async () => {
      const user = await registerUser(testApp);
      expect((await login(testApp, user.email, user.password)).status).toBe(200);
      expect((await login(testApp, user.email, WRONG_PASSWORD)).status).toBe(401);
      expect((await login(testApp, user.email, user.password)).status).toBe(200);
      expectRateLimited(await login(testApp, user.email, user.password));
    });

    it('counts the same email however it is written (case, spaces)', async () => {
      const user = await registerUser(testApp);
      await failLogins(testApp, user, 3);
      expectRateLimited(await login(testApp, `  ${user.email.toUpperCase()} `, user.password));
    });

    it('is not reset by a spoofed X-Forwarded-For when TRUST_PROXY is false', async () => {
      const user = await registerUser(testApp);
      await failLogins(testApp, user, 3, (attempt) => forwardedFor(`203.0.113.${attempt + 1}`));
      expectRateLimited(await login(testApp, user.email, user.password, forwardedFor('203.0.113.99')));
    });

    it('still serves another account from the same IP while the first is limited', async () => {
      const [limited, other] = [await registerUser(testApp), await registerUser(testApp)];
      await failLogins(testApp, limited, 3);
      expectRateLimited(await login(testApp, limited.email, limited.password));
      expect((await login(testApp, other.email, other.password)).status).toBe(200);
    });
  });

  describe('password checks with a stolen access token (RATE_LIMIT_LOGIN per user and per client IP)', () => {
    let testApp: TestApp;
    // Behind a proxy, so that each test checks from client IPs of its own.
    beforeAll(async () => {
      testApp = await startTestApp({ ...LOGIN_LIMIT, TRUST_PROXY: '1' });
    });
    afterAll(() => testApp.close());

    const deleteAccount = (client: ApiClient, password: string, ip: string) => client.delete(ME, { password }, { headers: forwardedFor(ip) });
    const changePassword = (client: ApiClient, currentPassword: string, ip: string) =>
      client.post(`${ME}/password`, { currentPassword, newPassword: 'a brand new passphrase' }, { headers: forwardedFor(ip) });

    it('answers the 4th wrong password on DELETE /users/me 429 RATE_LIMITED, then refuses the right one too', async () => {
      const { client, user } = await logIn(testApp, 'body');
      for (let attempt = 0; attempt < 3; attempt++) {
        expect((await deleteAccount(client, WRONG_PASSWORD, '192.0.2.1')).status).toBe(401);
      }
      expectRateLimited(await deleteAccount(client, user.password, '192.0.2.1'));
      expect((await client.get(ME)).status).toBe(200);
    });

    it('answers the 4th wrong current password on POST /users/me/password 429 RATE_LIMITED', async () => {
      const { client, user } = await logIn(testApp, 'body');
      for (let attempt = 0; attempt < 3; attempt++) {
        expect((await changePassword(client, WRONG_PASSWORD, '192.0.2.2')).status).toBe(401);
      }
      expectRateLimited(await changePassword(client, user.password, '192.0.2.2'));
    });

    it('counts per user across both routes, every session of the user and every client IP', async () => {
      const user = await registerUser(testApp);
      const phone = await logIn(testApp, 'body', user);
      const laptop = await logIn(testApp, 'body', user);
      expect((await deleteAccount(phone.client, WRONG_PASSWORD, '192.0.2.10')).status).toBe(401);
      expect((await changePassword(laptop.client, WRONG_PASSWORD, '192.0.2.11')).status).toBe(401);
      expect((await deleteAccount(laptop.client, WRONG_PASSWORD, '192.0.2.12')).status).toBe(401);
      expectRateLimited(await changePassword(phone.client, user.password, '192.0.2.13'));
      expectRateLimited(await deleteAccount(laptop.client, user.password, '192.0.2.14'));
    });

    it('counts per client IP across users, and still serves another IP', async () => {
      const sessions = [await logIn(testApp, 'body'), await logIn(testApp, 'body'), await logIn(testApp, 'body'), await logIn(testApp, 'body')];
      for (const session of sessions.slice(0, 3)) {
        expect((await deleteAccount(session.client, WRONG_PASSWORD, '192.0.2.20')).status).toBe(401);
      }
      expectRateLimited(await deleteAccount(sessions[3].client, WRONG_PASSWORD, '192.0.2.20'));
      expect((await deleteAccount(sessions[3].client, WRONG_PASSWORD, '192.0.2.21')).status).toBe(401);
    });

    it('does not limit another user while one is limited', async () => {
      const limited = await logIn(testApp, 'body');
      const other = await logIn(testApp, 'body');
      for (let attempt = 0; attempt < 3; attempt++) await deleteAccount(limited.client, WRONG_PASSWORD, `192.0.2.${30 + attempt}`);
      expectRateLimited(await deleteAccount(limited.client, WRONG_PASSWORD, '192.0.2.33'));
      expect((await deleteAccount(other.client, other.user.password, '192.0.2.34')).status).toBe(204);
    });
  });

  describe('mailed links (RATE_LIMIT_LOGIN: forgot-password per client IP and email, new verification links per user)', () => {
    const FORGOT = '/api/v1/auth/password/forgot';
    let testApp: TestApp;
    beforeAll(async () => {
      testApp = await startTestApp(LOGIN_LIMIT);
    });
    afterAll(() => testApp.close());

    it('answers the 4th reset request for one email 429, on a counter of its own: failed logins do not block it', async () => {
      const user = await registerUser(testApp);
      await failLogins(testApp, user, 3);
      for (let request = 0; request < 3; request++) expect((await testApp.client().post(FORGOT, { email: user.email })).status).toBe(202);
      expectRateLimited(await testApp.client().post(FORGOT, { email: user.email.toUpperCase() }));
      expect((await testApp.client().post(FORGOT, { email: uniqueEmail() })).status).toBe(202);
    });

    it('answers the 4th request for a new verification link of one user 429, whatever the session', async () => {
      const user = await registerUser(testApp);
      const first = await logIn(testApp, 'body', user);
      const second = await logIn(testApp, 'cookie', user);
      for (const client of [first.client, second.client, first.client]) expect((await client.post('/api/v1/auth/email/verify/resend')).status).toBe(202);
      expectRateLimited(await second.client.post('/api/v1/auth/email/verify/resend'));
      const other = await logIn(testApp, 'body');
      expect((await other.client.post('/api/v1/auth/email/verify/resend')).status).toBe(202);
    });
  });

  describe.each([
    ['one hop (TRUST_PROXY=1)', '1'],
    ["the proxy's address (TRUST_PROXY=10.0.0.0/8,127.0.0.1)", '10.0.0.0/8,127.0.0.1'],
  ])('behind a proxy trusted by %s', (_label, trustProxy) => {
    let testApp: TestApp;
    beforeAll(async () => {
      testApp = await startTestApp({ ...LOGIN_LIMIT, TRUST_PROXY: trustProxy });
    });
    afterAll(() => testApp.close());

    it('counts each X-Forwarded-For client IP separately: a new IP is served after the first is limited', async () => {
      const user = await registerUser(testApp);
      await failLogins(testApp, user, 3, () => forwardedFor('203.0.113.10'));
      expectRateLimited(await login(testApp, user.email, user.password, forwardedFor('203.0.113.10')));
      expect((await login(testApp, user.email, user.password, forwardedFor('203.0.113.11'))).status).toBe(200);
    });

    // The proxy appends the address it saw; whatever the client wrote before it is the client's own claim.
    it('takes the entry the proxy appended as the client, not a spoofed leading one: new spoofed entries reset nothing', async () => {
      const user = await registerUser(testApp);
      await failLogins(testApp, user, 3, (attempt) => forwardedFor(`203.0.113.${attempt + 20}, 198.51.100.7`));
      expectRateLimited(await login(testApp, user.email, user.password, forwardedFor('203.0.113.99, 198.51.100.7')));
      expect((await login(testApp, user.email, user.password, forwardedFor('203.0.113.99, 198.51.100.8'))).status).toBe(200);
    });

    it("records the appended entry as the session's IP", async () => {
      const user = await registerUser(testApp);
      const session = await login(testApp, user.email, user.password, { ...forwardedFor('203.0.113.66, 198.51.100.9'), 'x-token-transport': 'body' });
      expect(session.status).toBe(200);
      const sessions = await testApp.client().get('/api/v1/auth/sessions', { headers: { authorization: `Bearer ${session.body.accessToken as string}` } });
      expect(sessions.status).toBe(200);
      expect((sessions.body as { ip: string }[]).map((listed) => listed.ip)).toEqual(['198.51.100.9']);
    });
  });

  describe('RATE_LIMIT_AUTH (per client IP, register + login + refresh together)', () => {
    let testApp: TestApp;
    // Behind a proxy, so that each test counts from a client IP of its own.
    beforeAll(async () => {
      // A sign-in provider that is down (a closed port): its routes answer at once, without a provider.
      const provider = { OIDC_PROVIDERS: 'down', OIDC_DOWN_ISSUER: `http://127.0.0.1:${await freePort()}`, OIDC_DOWN_CLIENT_ID: 'c', OIDC_DOWN_CLIENT_SECRET: 's' };
      testApp = await startTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_AUTH: '5/1m', RATE_LIMIT_LOGIN: '1000/1m', TRUST_PROXY: '1', ...provider });
    });
    afterAll(() => testApp.close());

    /** Five requests from `ip` mixing the three routes; returns a client holding the session started on the way. */
    async function useUpAuthLimit(ip: string): Promise<{ client: ApiClient; refreshToken: string }> {
      const headers = forwardedFor(ip);
      const client = testApp.client();
      const email = uniqueEmail();
      expect((await client.post(REGISTER, { email, password: TEST_PASSWORD }, { headers })).status).toBe(201);
      const session = await client.post(LOGIN, { email, password: TEST_PASSWORD }, { headers: { ...headers, 'x-token-transport': 'body' } });
      expect(session.status).toBe(200);
      const refreshed = await client.post(REFRESH, { refreshToken: session.body.refreshToken }, { headers });
      expect(refreshed.status).toBe(200);
      expect((await client.post(LOGIN, { email, password: 'another wrong one' }, { headers })).status).toBe(401);
      expect((await client.post(REGISTER, { email: uniqueEmail(), password: TEST_PASSWORD }, { headers })).status).toBe(201);
      client.bearer = refreshed.body.accessToken;
      return { client, refreshToken: refreshed.body.refreshToken };
    }

    it('answers the 6th request 429 RATE_LIMITED on each of register, login and refresh', async () => {
      const { client, refreshToken } = await useUpAuthLimit('198.51.100.1');
      const headers = forwardedFor('198.51.100.1');
      expectRateLimited(await client.post(REGISTER, { email: uniqueEmail(), password: TEST_PASSWORD }, { headers }));
      expectRateLimited(await client.post(LOGIN, { email: uniqueEmail(), password: WRONG_PASSWORD }, { headers }));
      expectRateLimited(await client.post(REFRESH, { refreshToken }, { headers }));
    });

    it('counts the mailed-link routes (reset, verify) against the same limit: a burst of guesses is cut short', async () => {
      const headers = forwardedFor('198.51.100.9');
      const guesses: number[] = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        const route = attempt % 2 ? '/api/v1/auth/email/verify' : '/api/v1/auth/password/reset';
        const body = attempt % 2 ? { token: `guess-${attempt}` } : { token: `guess-${attempt}`, newPassword: 'a new and much better passphrase' };
        guesses.push((await testApp.client().post(route, body, { headers })).status);
      }
      expect(guesses).toEqual([400, 400, 400, 400, 400]);
      expectRateLimited(
        await testApp.client().post('/api/v1/auth/password/reset', { token: 'guess', newPassword: 'a new and much better passphrase' }, { headers }),
      );
      expectRateLimited(await testApp.client().post('/api/v1/auth/email/verify', { token: 'guess' }, { headers }));
      expectRateLimited(await testApp.client().post(REGISTER, { email: uniqueEmail(), password: TEST_PASSWORD }, { headers }));
    });

    it('counts the OpenID Connect routes (the redirect to the provider, its callback) against the same limit', async () => {
      const headers = forwardedFor('198.51.100.10');
      const answers: number[] = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        const route = attempt % 2 ? '/api/v1/auth/oidc/down/callback?state=guess&code=guess' : '/api/v1/auth/oidc/down';
        answers.push((await testApp.client().get(route, { headers })).status);
      }
      // The provider is down (302 back with ?error=OIDC_FAILED); a state this browser did not start is 400.
      expect(answers).toEqual([302, 400, 302, 400, 302]);
      expectRateLimited(await testApp.client().get('/api/v1/auth/oidc/down', { headers }));
      expectRateLimited(await testApp.client().get('/api/v1/auth/oidc/down/callback?state=guess&code=guess', { headers }));
      expectRateLimited(await testApp.client().post(LOGIN, { email: uniqueEmail(), password: WRONG_PASSWORD }, { headers }));
      expect((await testApp.client().get('/api/v1/auth/providers', { headers })).status).toBe(200);
    });

    it('still serves another client IP', async () => {
      await useUpAuthLimit('198.51.100.2');
      const response = await testApp.client().post(REGISTER, { email: uniqueEmail(), password: TEST_PASSWORD }, { headers: forwardedFor('198.51.100.3') });
      expect(response.status).toBe(201);
    });

    it('never limits the other routes, e.g. GET /users/me with a token', async () => {
      const { client } = await useUpAuthLimit('198.51.100.4');
      for (let request = 0; request < 10; request++) {
        expect((await client.get(ME, { headers: forwardedFor('198.51.100.4') })).status).toBe(200);
      }
    });
  });

  describe('RATE_LIMIT_ENABLED=false', () => {
    let testApp: TestApp;
    beforeAll(async () => {
      testApp = await startTestApp({ RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_LOGIN: '3/1m', RATE_LIMIT_AUTH: '5/1m' });
    });
    afterAll(() => testApp.close());

    it('never answers 429, even to 20 logins in a row for one email', async () => {
      const user = await registerUser(testApp);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 20; attempt++) {
        statuses.push((await login(testApp, user.email, attempt % 2 ? user.password : WRONG_PASSWORD)).status);
      }
      expect(statuses).toEqual(Array.from({ length: 20 }, (_, attempt) => (attempt % 2 ? 200 : 401)));
    });
  });

  describe('several instances (REDIS_URL)', () => {
    // Two instances must share one database as well as Redis: the embedded database is process-local.
    const shared = Boolean(process.env.REDIS_URL && process.env.TEST_DATABASE_URL);
    const name = 'share the login limit through Redis: 2 attempts on one instance and 1 on the other exhaust it';
    const test = shared ? it : it.skip;
    const title = shared ? name : `${name} (skipped: needs REDIS_URL and TEST_DATABASE_URL)`;

    let first: TestApp;
    let second: ServiceProcess;
    beforeAll(async () => {
      if (!shared) return;
      const env = {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_LOGIN: '3/1m',
        REDIS_URL: process.env.REDIS_URL!,
        REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:`,
      };
      first = await startTestApp(env);
      second = await startSecondInstance(first, { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_LOGIN: '3/1m' });
    });
    afterAll(async () => {
      await second?.stop();
      await first?.close();
    });

    test(title, async () => {
      const user = await registerUser(first);
      const onSecond = second;
      expect((await login(first, user.email, WRONG_PASSWORD)).status).toBe(401);
      expect((await login(onSecond, user.email, WRONG_PASSWORD)).status).toBe(401);
      expect((await login(first, user.email, user.password)).status).toBe(200);
      expectRateLimited(await login(first, user.email, user.password));
      expectRateLimited(await login(onSecond, user.email, user.password));
    });
  });
});
