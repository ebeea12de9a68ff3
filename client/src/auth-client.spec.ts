import { AuthClient, AuthError } from './auth-client';

interface SentRequest {
  method: string;
  path: string;
  headers: Headers;
  credentials?: string;
}

const BASE = 'https://auth.example.test';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function error(status: number, code: string): Response {
  return json(status, { statusCode: status, error: 'Unauthorized', code, message: code });
}

function session(csrfToken: string) {
  return {
    user: { id: 'u1', email: 'a@b.c', name: null, roles: ['user'], createdAt: '2026-01-01T00:00:00.000Z' },
    session: { id: 's1', accessTokenExpiresAt: '2026-01-01T00:15:00.000Z', refreshTokenExpiresAt: '2026-02-01T00:00:00.000Z' },
    csrfToken,
  };
}

/**
 * A fake service: GET/POST/PATCH/DELETE /api/v1/users/me answer 401 TOKEN_EXPIRED
 * until a refresh succeeded; the refresh answers `refreshAnswer` after a tick,
 * so concurrent requests are all waiting when it lands.
 */
function setup(options: { refreshAnswer?: () => Response } = {}) {
  const sent: SentRequest[] = [];
  let accessValid = true;
  const refreshAnswer = options.refreshAnswer ?? (() => json(200, session('csrf-2')));
  const fakeFetch = (async (input: string | URL, init: RequestInit = {}) => {
    const path = String(input).slice(BASE.length);
    const method = init.method ?? 'GET';
    sent.push({ method, path, headers: new Headers(init.headers), credentials: init.credentials });
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (path === '/api/v1/auth/login') return json(200, session('csrf-1'));
    if (path === '/api/v1/auth/refresh') {
      const answer = refreshAnswer();
      if (answer.ok) accessValid = true;
      return answer;
    }
    if (path === '/api/v1/auth/logout') return new Response(null, { status: 204 });
    return accessValid ? json(200, { path, method }) : error(401, 'TOKEN_EXPIRED');
  }) as typeof fetch;
  const client = new AuthClient({ baseUrl: BASE, fetch: fakeFetch });
  return {
    client,
    sent,
    expireAccessToken: () => (accessValid = false),
    refreshes: () => sent.filter((request) => request.path === '/api/v1/auth/refresh'),
    fiveCalls: () => Array.from({ length: 5 }, () => client.json<{ path: string }>('/api/v1/users/me')),
  };
}

describe('AuthClient', () => {
  it('logs in with credentials included and keeps the csrfToken of the body', async () => {
    const { client, sent } = setup();
    await client.login('a@b.c', 'correct horse battery staple');
    await client.json('/api/v1/users/me', { method: 'PATCH', body: JSON.stringify({ name: 'Ann' }) });
    expect(sent.map((request) => request.credentials)).toEqual(['include', 'include']);
    expect(sent[1].headers.get('x-csrf-token')).toBe('csrf-1');
  });

  it('refreshes exactly once when 5 concurrent requests answer 401 TOKEN_EXPIRED, and retries each once', async () => {
    const { client, fiveCalls, refreshes, expireAccessToken, sent } = setup();
    await client.login('a@b.c', 'pw');
    expireAccessToken();
    const results = await Promise.all(fiveCalls());
    expect(results).toEqual(Array.from({ length: 5 }, () => ({ path: '/api/v1/users/me', method: 'GET' })));
    expect(refreshes()).toHaveLength(1);
    expect(sent.filter((request) => request.path === '/api/v1/users/me')).toHaveLength(10);
  });

  it('sends the refresh with the CSRF token, and uses the rotated token afterwards', async () => {
    const { client, refreshes, expireAccessToken, sent } = setup();
    await client.login('a@b.c', 'pw');
    expireAccessToken();
    await client.json('/api/v1/users/me', { method: 'DELETE', body: '{}' });
    expect(refreshes()[0].headers.get('x-csrf-token')).toBe('csrf-1');
    expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-2');
  });

  it('rejects all 5 waiters with the code of a failed refresh, after a single refresh', async () => {
    const { client, fiveCalls, refreshes, expireAccessToken } = setup({ refreshAnswer: () => error(401, 'REFRESH_TOKEN_REUSED') });
    await client.login('a@b.c', 'pw');
    expireAccessToken();
    const outcomes = await Promise.allSettled(fiveCalls());
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(5).fill('rejected'));
    for (const outcome of outcomes) {
      const reason = (outcome as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(AuthError);
      expect(reason).toMatchObject({ status: 401, code: 'REFRESH_TOKEN_REUSED' });
    }
    expect(refreshes()).toHaveLength(1);
  });

  it('does not refresh on a 401 of another code, such as SESSION_REVOKED', async () => {
    const paths: string[] = [];
    const revoked = (async (input: string | URL) => {
      paths.push(String(input).slice(BASE.length));
      return error(401, 'SESSION_REVOKED');
    }) as typeof fetch;
    const client = new AuthClient({ baseUrl: BASE, fetch: revoked });
    await expect(client.json('/api/v1/users/me')).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' });
    expect(paths).toEqual(['/api/v1/users/me']);
  });

  it.each(['POST', 'PATCH', 'DELETE'])('sends X-CSRF-Token on %s', async (method) => {
    const { client, sent } = setup();
    await client.login('a@b.c', 'pw');
    await client.request('/api/v1/users/me', { method, body: '{}' });
    expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-1');
  });

  it('does not send X-CSRF-Token on GET', async () => {
    const { client, sent } = setup();
    await client.login('a@b.c', 'pw');
    await client.request('/api/v1/users/me');
    expect(sent.at(-1)?.headers.has('x-csrf-token')).toBe(false);
  });

  it('forgets the CSRF token on logout', async () => {
    const { client, sent } = setup();
    await client.login('a@b.c', 'pw');
    await client.logout();
    await client.request('/api/v1/users/me', { method: 'PATCH', body: '{}' });
    expect(sent[1].headers.get('x-csrf-token')).toBe('csrf-1');
    expect(sent.at(-1)?.headers.has('x-csrf-token')).toBe(false);
  });

  it('rejects a failed login with the contract code', async () => {
    const client = new AuthClient({ baseUrl: BASE, fetch: async () => error(401, 'INVALID_CREDENTIALS') });
    await expect(client.login('a@b.c', 'wrong')).rejects.toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
  });
});
