import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectError } from './support/errors-assertions';
import { freePort } from './support/free-port';
import { appWith, startTestApp, TestApp } from './support/test-app';
import { logIn } from './support/users';

/** The value of one series of the Prometheus text, e.g. `auth_logins_total{outcome="succeeded"}`; undefined when absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  const app = appWith();
  const scrape = async () => {
    const response = await app().client().get('/metrics');
    expect(response.status).toBe(200);
    return response.body as string;
  };

  it('serves the Prometheus text format with the process metrics, outside /api', async () => {
    const response = await app().client().get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(response.body).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expectError(await app().client().get('/api/v1/metrics'), 404, 'NOT_FOUND');
  });

  it('times requests by method, route pattern and status', async () => {
    const { client, sessionId } = await logIn(app(), 'body');
    await client.get('/api/v1/users/me');
    await client.delete(`/api/v1/auth/sessions/${sessionId.replace(/.$/, '0')}`);
    const text = await scrape();
    expect(valueOf(text, 'http_request_duration_seconds_count{method="GET",route="/api/v1/users/me",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('route="/api/v1/auth/sessions/:id"');
    expect(text).not.toContain(sessionId.slice(0, 8));
  });

  it('counts logins, refreshes by outcome and revoked sessions by reason', async () => {
    const before = await scrape();
    const session = await logIn(app(), 'body');
    const wrong = await app().client().post('/api/v1/auth/login', { email: session.user.email, password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    const first = await app().client().post('/api/v1/auth/refresh', { refreshToken: session.refreshToken });
    const again = await app().client().post('/api/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect([first.status, again.status]).toEqual([200, 200]);
    session.client.bearer = first.body.accessToken;
    expect((await session.client.post('/api/v1/auth/logout')).status).toBe(204);
    const after = await scrape();
    const grew = (series: string) => (valueOf(after, series) ?? 0) - (valueOf(before, series) ?? 0);
    expect(grew('auth_logins_total{outcome="succeeded"}')).toBe(1);
    expect(grew('auth_logins_total{outcome="failed"}')).toBe(1);
    expect(grew('auth_refreshes_total{outcome="rotated"}')).toBe(1);
    expect(grew('auth_refreshes_total{outcome="grace"}')).toBe(1);
    expect(grew('auth_sessions_revoked_total{reason="logout"}')).toBe(1);
  });

  it('counts cache lookups and reports the listener, the pool and where rate limits are counted', async () => {
    const { client } = await logIn(app(), 'body');
    await client.get('/api/v1/users/me');
    await client.get('/api/v1/users/me');
    const text = await scrape();
    expect(valueOf(text, 'auth_cache_requests_total{cache="session",result="hit"}')).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'auth_cache_requests_total{cache="profile",result="miss"}')).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'auth_invalidation_listener_up')).toBe(1);
    expect(valueOf(text, 'auth_db_pool_connections{state="waiting"}')).toBe(0);
    const store = process.env.REDIS_URL ? 'redis' : 'memory';
    expect(valueOf(text, `auth_rate_limit_store{store="${store}"}`)).toBe(1);
    expect(valueOf(text, 'auth_password_hash_queue_depth')).toBe(0);
  });

  it('is documented for operators, apart from the auth routes', async () => {
    const document = (await app().client().get('/docs/openapi.json')).body;
    expect(document.paths['/metrics'].get.tags).toEqual(['operations']);
  });

  describe('with METRICS_TOKEN', () => {
    const guarded = appWith({ METRICS_TOKEN: 'a-scrape-token-for-prometheus' });

    it('answers 401 TOKEN_MISSING without the token and TOKEN_INVALID with another', async () => {
      expectError(await guarded().client().get('/metrics'), 401, 'TOKEN_MISSING');
      const wrong = await guarded()
        .client()
        .get('/metrics', { headers: { authorization: 'Bearer not-the-token' } });
      expectError(wrong, 401, 'TOKEN_INVALID');
    });

    it('serves the metrics with it', async () => {
      const response = await guarded()
        .client()
        .get('/metrics', { headers: { authorization: 'Bearer a-scrape-token-for-prometheus' } });
      expect(response.status).toBe(200);
      expect(response.body).toContain('auth_logins_total');
    });
  });

  it("names the build: auth_build_info with package.json's version and the Node.js version, always 1", async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(valueOf(await scrape(), `auth_build_info{version="${version}",node="${process.version}"}`)).toBe(1);
  });

  describe('with METRICS_PORT', () => {
    const TOKEN = 'a-token-for-the-scrape-network';
    let testApp: TestApp;
    let metricsUrl: string;
    beforeAll(async () => {
      const port = await freePort();
      metricsUrl = `http://127.0.0.1:${port}/metrics`;
      testApp = await startTestApp({ METRICS_PORT: String(port), METRICS_TOKEN: TOKEN });
    });
    afterAll(() => testApp?.close());

    it('serves /metrics on that port, with the token, and counts what the public port serves', async () => {
      await logIn(testApp, 'body');
      const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(valueOf(await response.text(), 'auth_logins_total{outcome="succeeded"}')).toBeGreaterThanOrEqual(1);
    });

    it('asks that port for the token as the public endpoint would', async () => {
      const missing = await fetch(metricsUrl);
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ statusCode: 401, code: 'TOKEN_MISSING' });
      const wrong = await fetch(metricsUrl, { headers: { authorization: 'Bearer another' } });
      expect(await wrong.json()).toMatchObject({ statusCode: 401, code: 'TOKEN_INVALID' });
    });

    it('serves nothing else on that port', async () => {
      for (const path of ['/health/ready', '/api/v1/auth/login', '/metrics/x']) {
        const response = await fetch(metricsUrl.replace('/metrics', path), { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(response.status).toBe(404);
        expect(await response.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
      }
    });

    it('takes /metrics off the public port', async () => {
      expectError(await testApp.client().get('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }), 404, 'NOT_FOUND');
    });
  });

  describe('with METRICS_ENABLED=false', () => {
    const quiet = appWith({ METRICS_ENABLED: 'false' });

    it('serves no /metrics', async () => {
      expectError(await quiet().client().get('/metrics'), 404, 'NOT_FOUND');
    });
  });
});
