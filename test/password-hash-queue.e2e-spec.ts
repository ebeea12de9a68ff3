import { randomUUID } from 'node:crypto';
import { ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, registerUser, TestUser } from './support/users';

const LOGIN = '/api/v1/auth/login';
const PARALLEL_LOGINS = 30;

/** One argon2 computation at a time and two waiting: a burst of logins overflows it. */
describe('bounded password hashing (PASSWORD_HASH_CONCURRENCY=1, PASSWORD_HASH_QUEUE=2)', () => {
  let testApp: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    testApp = await startTestApp({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '2' });
    user = await registerUser(testApp);
  });
  afterAll(() => testApp.close());

  /** Logins for the user (right and wrong password) and for unknown emails, all at once. */
  function burst(): Promise<ApiResponse[]> {
    return Promise.all(
      Array.from({ length: PARALLEL_LOGINS }, (_, index) => {
        const email = index % 3 === 2 ? `nobody-${randomUUID()}@example.com` : user.email;
        const password = index % 3 === 0 ? user.password : 'not the right password';
        return testApp.client().post(LOGIN, { email, password });
      }),
    );
  }

  it('answers the logins past the queue 503 SERVICE_UNAVAILABLE with Retry-After, and none 500', async () => {
    const responses = await burst();
    const statuses = responses.map((response) => response.status);
    expect(statuses).not.toContain(500);
    const refused = responses.filter((response) => response.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const response of refused) {
      expectError(response, 503, 'SERVICE_UNAVAILABLE');
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    }
    // The others were checked as usual: a right password logs in, a wrong one or an unknown email does not.
    expect(statuses.every((status) => [200, 401, 503].includes(status))).toBe(true);
  });

  it('refuses unknown emails past the queue exactly like known ones (the dummy verification is queued too)', async () => {
    const responses = await burst();
    const refusedUnknown = responses.filter((response, index) => index % 3 === 2 && response.status === 503);
    const refusedKnown = responses.filter((response, index) => index % 3 !== 2 && response.status === 503);
    expect(refusedUnknown.length + refusedKnown.length).toBeGreaterThan(0);
    const bodies = new Set([...refusedUnknown, ...refusedKnown].map((response) => JSON.stringify(response.body)));
    expect(bodies.size).toBe(1);
  });

  it('keeps /health/live and token-checked routes answering while the queue is full', async () => {
    const { client } = await logIn(testApp, 'body', user);
    const logins = burst();
    const [live, me] = await Promise.all([testApp.client().get('/health/live'), client.get('/api/v1/users/me')]);
    const statuses = (await logins).map((response) => response.status);
    expect(statuses).toContain(503);
    expect(live.status).toBe(200);
    expect(me.status).toBe(200);
  });

  it('serves logins again once the burst is over', async () => {
    await burst();
    const response = await testApp.client().post(LOGIN, { email: user.email, password: user.password });
    expect(response.status).toBe(200);
  });
});
