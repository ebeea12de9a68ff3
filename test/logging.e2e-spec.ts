import { randomUUID } from 'node:crypto';
import { ApiResponse } from './support/api-client';
import { startTestApp, TestApp } from './support/test-app';
import { logIn } from './support/users';
import { LogCollector } from './support/log-collector';

const ME = '/api/v1/users/me';
const REFRESH = '/api/v1/auth/refresh';
const LOGOUT = '/api/v1/auth/logout';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const requestIdOf = (response: ApiResponse) => response.headers.get('x-request-id');

/** The lines that hold `value`, as is or escaped as a JSON string. */
const linesWith = (lines: string[], value: string) => lines.filter((line) => line.includes(value) || line.includes(JSON.stringify(value).slice(1, -1)));

describe('logging (LOG_LEVEL=info)', () => {
  const collector = new LogCollector();
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp({ LOG_LEVEL: 'info' }, { logDestination: collector });
  });
  afterAll(() => testApp?.close());

  describe('a journey through every credential-carrying route', () => {
    const secrets: Record<string, string> = {};
    const responses: ApiResponse[] = [];
    const track = (response: ApiResponse, status: number): ApiResponse => {
      if (response.status !== status) throw new Error(`expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
      responses.push(response);
      return response;
    };

    beforeAll(async () => {
      const email = `logging-${randomUUID()}@example.com`;
      secrets.password = `first-secret-passphrase-${randomUUID()}`;
      secrets.newPassword = `second-secret-passphrase-${randomUUID()}`;
      secrets.wrongPassword = `wrong-secret-passphrase-${randomUUID()}`;
      track(await testApp.client().post('/api/v1/auth/register', { email, password: secrets.password }), 201);
      const user = { id: '', email, password: secrets.password };

      const body = await logIn(testApp, 'body', user);
      responses.push(body.login);
      secrets.bodyAccessToken = body.login.body.accessToken;
      secrets.bodyRefreshToken = body.login.body.refreshToken;

      const cookie = await logIn(testApp, 'cookie', user);
      responses.push(cookie.login);
      secrets.csrfToken = cookie.login.body.csrfToken;
      for (const name of cookie.client.cookieNames()) secrets[`cookie ${name}`] = cookie.client.cookie(name)!;

      track(await body.client.get(ME), 200);
      track(await cookie.client.get(ME), 200);

      const refreshed = track(await testApp.client().post(REFRESH, { refreshToken: body.refreshToken }), 200);
      secrets.rotatedAccessToken = refreshed.body.accessToken;
      secrets.rotatedRefreshToken = refreshed.body.refreshToken;
      body.client.bearer = refreshed.body.accessToken;

      track(await cookie.client.post(REFRESH), 200);
      for (const name of cookie.client.cookieNames()) secrets[`rotated cookie ${name}`] = cookie.client.cookie(name)!;

      track(await body.client.post(`${ME}/password`, { currentPassword: secrets.password, newPassword: secrets.newPassword }), 204);
      track(await testApp.client().post('/api/v1/auth/login', { email, password: secrets.wrongPassword }), 401);
      track(await cookie.client.post(LOGOUT), 204);
      track(await body.client.post(LOGOUT), 204);

      for (const response of responses) await collector.requestLine(requestIdOf(response)!);
    });

    it('collected the secrets it looks for (the premise of the checks below)', () => {
      expect(Object.keys(secrets)).toEqual(expect.arrayContaining(['cookie __Host-access_token', 'cookie __Secure-refresh_token', 'cookie __Host-csrf_token']));
      for (const value of Object.values(secrets)) expect(value.length).toBeGreaterThanOrEqual(20);
    });

    it('writes every line as JSON, and every request line with a req.id', () => {
      const entries = collector.entries();
      const requestLines = entries.filter((entry) => entry.req !== undefined);
      expect(requestLines.length).toBeGreaterThanOrEqual(responses.length);
      for (const entry of requestLines) expect(entry.req.id).toEqual(expect.any(String));
    });

    it('logs no password, token, cookie value or CSRF token', () => {
      const leaks = Object.entries(secrets)
        .filter(([, value]) => linesWith(collector.lines, value).length > 0)
        .map(([name]) => name);
      expect(leaks).toEqual([]);
    });

    it('logs no Authorization header value ("Bearer ey")', () => {
      expect(collector.lines.filter((line) => line.includes('Bearer ey'))).toEqual([]);
    });

    it('answers every response with an X-Request-Id equal to the req.id on its log line', async () => {
      for (const response of responses) {
        const id = requestIdOf(response);
        expect(id).toMatch(UUID);
        const line = await collector.requestLine(id!);
        expect(line.res.statusCode).toBe(response.status);
      }
      expect(new Set(responses.map(requestIdOf)).size).toBe(responses.length);
    });
  });

  describe('X-Request-Id from the caller', () => {
    it('echoes a plain X-Request-Id (trace-123) and logs the request under it', async () => {
      const response = await testApp.client().get(ME, { headers: { 'x-request-id': 'trace-123' } });
      expect(requestIdOf(response)).toBe('trace-123');
      const line = await collector.requestLine('trace-123');
      expect(line.res.statusCode).toBe(response.status);
    });

    it.each([
      ['spaces', 'trace 123 injected'],
      ['a tab', 'trace\t123'],
      ['JSON characters', 'x","level":"fatal'],
      ['500 characters', 'a'.repeat(500)],
    ])('replaces an X-Request-Id with %s by a fresh id, which it logs instead', async (_kind, malicious) => {
      const response = await testApp.client().get(ME, { headers: { 'x-request-id': malicious } });
      const id = requestIdOf(response);
      expect(id).toMatch(UUID);
      expect((await collector.requestLine(id!)).res.statusCode).toBe(response.status);
      expect(linesWith(collector.lines, malicious)).toEqual([]);
    });
  });

  it('does not log a query string', async () => {
    const response = await testApp.client().get(`${ME}?access_token=secret-value`);
    expect(response.status).toBe(401);
    expect((await collector.requestLine(requestIdOf(response)!)).res.statusCode).toBe(401);
    expect(linesWith(collector.lines, 'secret-value')).toEqual([]);
  });
});
