import { AuthClient, AuthError, PasskeyError, WebAuthnApi } from './auth-client';

interface SentRequest {
  method: string;
  path: string;
  headers: Headers;
  credentials?: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** A fetch that records every request (with its JSON body) and answers what `answer` says for its path. */
function recordingFetch(answer: (path: string) => Response): { sent: SentRequest[]; fakeFetch: typeof fetch } {
  const sent: SentRequest[] = [];
  const fakeFetch = (async (input: string | URL, init: RequestInit = {}) => {
    const path = String(input).slice(BASE.length);
    sent.push({
      method: init.method ?? 'GET',
      path,
      headers: new Headers(init.headers),
      credentials: init.credentials,
      body: init.body === undefined ? undefined : JSON.parse(init.body as string),
      signal: init.signal ?? undefined,
    });
    return answer(path);
  }) as typeof fetch;
  return { sent, fakeFetch };
}

const BASE = 'https://auth.example.test';

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function error(status: number, code: string, error = 'Unauthorized'): Response {
  return json(status, { statusCode: status, error, code, message: code });
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

  describe('account recovery and email verification', () => {
    /** A fake service whose login answers a session and every other request `answer()`. */
    function answering(answer: () => Response) {
      const { sent, fakeFetch } = recordingFetch((path) => (path === '/api/v1/auth/login' ? json(200, session('csrf-1')) : answer()));
      return { client: new AuthClient({ baseUrl: BASE, fetch: fakeFetch }), sent };
    }
    const accepted = () => json(202, { message: 'accepted' });
    const noContent = () => new Response(null, { status: 204 });

    it.each([
      ['forgotPassword', (client: AuthClient) => client.forgotPassword('a@b.c'), '/api/v1/auth/password/forgot', { email: 'a@b.c' }, accepted],
      [
        'resetPassword',
        (client: AuthClient) => client.resetPassword('reset-token', 'new passphrase'),
        '/api/v1/auth/password/reset',
        { token: 'reset-token', newPassword: 'new passphrase' },
        noContent,
      ],
      ['verifyEmail', (client: AuthClient) => client.verifyEmail('verify-token'), '/api/v1/auth/email/verify', { token: 'verify-token' }, noContent],
    ])('%s POSTs its JSON body without a session and resolves undefined', async (_name, call, path, body, answer) => {
      const { client, sent } = answering(answer);
      await expect(call(client)).resolves.toBeUndefined();
      expect(sent).toEqual([{ method: 'POST', path, headers: expect.any(Headers), credentials: 'include', body }]);
      expect(sent[0].headers.get('content-type')).toBe('application/json');
      expect(sent[0].headers.has('x-csrf-token')).toBe(false);
    });

    it.each([
      ['resendVerification', (client: AuthClient) => client.resendVerification(), '/api/v1/auth/email/verify/resend', {}],
      ['changeEmail', (client: AuthClient) => client.changeEmail('new@b.c', 'pw'), '/api/v1/users/me/email', { newEmail: 'new@b.c', password: 'pw' }],
    ])('%s POSTs with the session cookies and X-CSRF-Token, and resolves undefined on 202', async (_name, call, path, body) => {
      const { client, sent } = answering(accepted);
      await client.login('a@b.c', 'pw');
      await expect(call(client)).resolves.toBeUndefined();
      expect(sent.at(-1)).toEqual({ method: 'POST', path, headers: expect.any(Headers), credentials: 'include', body });
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-1');
      expect(sent.at(-1)?.headers.get('content-type')).toBe('application/json');
    });

    it('cancelEmailChange sends DELETE /users/me/email with the session cookies and X-CSRF-Token, and resolves undefined on 204', async () => {
      const { client, sent } = answering(noContent);
      await client.login('a@b.c', 'pw');
      await expect(client.cancelEmailChange()).resolves.toBeUndefined();
      expect(sent.at(-1)).toEqual({ method: 'DELETE', path: '/api/v1/users/me/email', headers: expect.any(Headers), credentials: 'include', body: undefined });
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-1');
    });

    it('refreshes once and retries changeEmail when the access token expired', async () => {
      const answers = [error(401, 'TOKEN_EXPIRED'), json(200, session('csrf-2')), accepted()];
      const { client, sent } = answering(() => answers.shift()!);
      await client.login('a@b.c', 'pw');
      await client.changeEmail('new@b.c', 'pw');
      expect(sent.map((request) => request.path)).toEqual(['/api/v1/auth/login', '/api/v1/users/me/email', '/api/v1/auth/refresh', '/api/v1/users/me/email']);
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-2');
    });

    it.each([
      ['resetPassword', 400, 'TOKEN_INVALID', 'Bad Request', (client: AuthClient) => client.resetPassword('used', 'new passphrase')],
      ['verifyEmail', 400, 'TOKEN_INVALID', 'Bad Request', (client: AuthClient) => client.verifyEmail('expired')],
      ['changeEmail', 409, 'EMAIL_TAKEN', 'Conflict', (client: AuthClient) => client.changeEmail('taken@b.c', 'pw')],
      ['resendVerification', 401, 'SESSION_REVOKED', 'Unauthorized', (client: AuthClient) => client.resendVerification()],
      ['forgotPassword', 429, 'RATE_LIMITED', 'Too Many Requests', (client: AuthClient) => client.forgotPassword('a@b.c')],
    ])('%s rejects with an AuthError of the contract body (%i %s)', async (_name, status, code, statusText, call) => {
      const { client, sent } = answering(() => error(status, code, statusText));
      const failure = await call(client).catch((reason: unknown) => reason);
      expect(failure).toBeInstanceOf(AuthError);
      expect(failure).toMatchObject({ status, code, message: code, body: { statusCode: status, error: statusText, code, message: code } });
      expect(sent).toHaveLength(1);
    });
  });

  describe('second factor', () => {
    const challenge = { mfaRequired: true, mfaToken: 'mfa-token-1', methods: ['totp', 'recovery_code'], expiresIn: 300 };

    /**
     * A fake service whose login answers `login()` (the challenge by default), whose
     * POST /auth/login/mfa answers `mfa()` (a session by default) and every other request `other()`.
     */
    function mfaService(answers: { login?: () => Response; mfa?: () => Response; other?: () => Response } = {}) {
      const { sent, fakeFetch } = recordingFetch((path) => {
        if (path === '/api/v1/auth/login') return (answers.login ?? (() => json(200, challenge)))();
        if (path === '/api/v1/auth/login/mfa') return (answers.mfa ?? (() => json(200, session('csrf-mfa'))))();
        return (answers.other ?? (() => json(200, { path })))();
      });
      return {
        client: new AuthClient({ baseUrl: BASE, fetch: fakeFetch }),
        sent,
        mfaRequests: () => sent.filter((request) => request.path === '/api/v1/auth/login/mfa'),
      };
    }

    it('login resolves to the challenge (without the MFA token) and keeps no session', async () => {
      const { client, sent } = mfaService();
      const result = await client.login('a@b.c', 'pw');
      expect(result).toEqual({ mfaRequired: true, methods: ['totp', 'recovery_code'], expiresIn: 300 });
      await client.request('/api/v1/users/me', { method: 'PATCH', body: '{}' });
      expect(sent.at(-1)?.headers.has('x-csrf-token')).toBe(false);
    });

    it('login of an account without a second factor still resolves to the session body, told apart by mfaRequired', async () => {
      const { client } = mfaService({ login: () => json(200, session('csrf-1')) });
      const result = await client.login('a@b.c', 'pw');
      expect(result).toEqual(session('csrf-1'));
      expect(result.mfaRequired).toBeUndefined();
      if (result.mfaRequired) throw new Error('expected a session');
      expect(result.csrfToken).toBe('csrf-1');
    });

    it.each([
      ['a TOTP code', '123456', { code: '123456' }],
      ['{ code }', { code: '123456' }, { code: '123456' }],
      ['a recovery code', { recoveryCode: 'abcde-fghjk' }, { recoveryCode: 'abcde-fghjk' }],
    ] as const)(
      'completeMfa with %s POSTs it with the MFA token, in the transport of login, and keeps the session as login does',
      async (_name, proof, sentProof) => {
        const { client, sent, mfaRequests } = mfaService();
        await client.login('a@b.c', 'pw');
        await expect(client.completeMfa(proof)).resolves.toEqual(session('csrf-mfa'));
        expect(mfaRequests()).toEqual([
          { method: 'POST', path: '/api/v1/auth/login/mfa', headers: expect.any(Headers), credentials: 'include', body: { mfaToken: 'mfa-token-1', ...sentProof } },
        ]);
        // Cookie transport, as login: no X-Token-Transport, JSON body, credentials included.
        for (const request of sent) {
          expect(request.headers.has('x-token-transport')).toBe(false);
          expect(request.headers.get('content-type')).toBe('application/json');
        }
        await client.request('/api/v1/users/me', { method: 'PATCH', body: '{}' });
        expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-mfa');
      },
    );

    it('keeps the MFA token after 401 MFA_CODE_INVALID, so the next code can be tried', async () => {
      const answers = [error(401, 'MFA_CODE_INVALID'), json(200, session('csrf-mfa'))];
      const { client, mfaRequests } = mfaService({ mfa: () => answers.shift()! });
      await client.login('a@b.c', 'pw');
      await expect(client.completeMfa('111111')).rejects.toMatchObject({ status: 401, code: 'MFA_CODE_INVALID' });
      await expect(client.completeMfa({ recoveryCode: 'abcde-fghjk' })).resolves.toEqual(session('csrf-mfa'));
      expect(mfaRequests().map((request) => request.body)).toEqual([
        { mfaToken: 'mfa-token-1', code: '111111' },
        { mfaToken: 'mfa-token-1', recoveryCode: 'abcde-fghjk' },
      ]);
    });

    it('forgets the MFA token after 401 MFA_TOKEN_INVALID: the next completeMfa fails without a request', async () => {
      const { client, mfaRequests } = mfaService({ mfa: () => error(401, 'MFA_TOKEN_INVALID') });
      await client.login('a@b.c', 'pw');
      const failure = await client.completeMfa('123456').catch((reason: unknown) => reason);
      expect(failure).toBeInstanceOf(AuthError);
      expect(failure).toMatchObject({ status: 401, code: 'MFA_TOKEN_INVALID' });
      await expect(client.completeMfa('654321')).rejects.toThrow(/no second-factor challenge is pending/);
      expect(mfaRequests()).toHaveLength(1);
    });

    it('rejects 429 RATE_LIMITED with the seconds of Retry-After, and keeps the MFA token', async () => {
      const answers = [
        json(429, { statusCode: 429, error: 'Too Many Requests', code: 'RATE_LIMITED', message: 'RATE_LIMITED' }, { 'retry-after': '900' }),
        json(200, session('csrf-mfa')),
      ];
      const { client, mfaRequests } = mfaService({ mfa: () => answers.shift()! });
      await client.login('a@b.c', 'pw');
      await expect(client.completeMfa('123456')).rejects.toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfter: 900 });
      await client.completeMfa('123456');
      expect(mfaRequests().map((request) => request.body)).toEqual(Array(2).fill({ mfaToken: 'mfa-token-1', code: '123456' }));
    });

    it('completeMfa without a pending challenge rejects with a plain Error and sends nothing', async () => {
      const { client, sent } = mfaService();
      const failure = await client.completeMfa('123456').catch((reason: unknown) => reason);
      expect(failure).toBeInstanceOf(Error);
      expect(failure).not.toBeInstanceOf(AuthError);
      expect(failure).toMatchObject({ message: expect.stringMatching(/no second-factor challenge is pending/) });
      expect(sent).toEqual([]);
    });

    it('uses the MFA token once: after a completed login, completeMfa has no challenge', async () => {
      const { client, mfaRequests } = mfaService();
      await client.login('a@b.c', 'pw');
      await client.completeMfa('123456');
      await expect(client.completeMfa('123456')).rejects.toThrow(/no second-factor challenge is pending/);
      expect(mfaRequests()).toHaveLength(1);
    });

    it.each([
      ['a new login that fails', (client: AuthClient) => client.login('a@b.c', 'wrong').catch(() => undefined)],
      ['logout', (client: AuthClient) => client.logout()],
    ])('drops the pending challenge on %s', async (_name, drop) => {
      const logins = [json(200, challenge), error(401, 'INVALID_CREDENTIALS')];
      const { client, mfaRequests } = mfaService({ login: () => logins.shift()!, other: () => new Response(null, { status: 204 }) });
      await client.login('a@b.c', 'pw');
      await drop(client);
      await expect(client.completeMfa('123456')).rejects.toThrow(/no second-factor challenge is pending/);
      expect(mfaRequests()).toEqual([]);
    });

    const recoveryCodes = { recoveryCodes: Array.from({ length: 10 }, (_, index) => `abcde-${index}ghjk`) };
    it.each([
      [
        'enrolTotp',
        (client: AuthClient) => client.enrolTotp('pw'),
        'POST',
        '/api/v1/users/me/mfa/totp',
        { password: 'pw' },
        { secret: 'S', otpauthUri: 'otpauth://totp/x', qrCodeSvg: '<svg/>' },
      ],
      ['confirmTotp', (client: AuthClient) => client.confirmTotp('123456'), 'POST', '/api/v1/users/me/mfa/totp/confirm', { code: '123456' }, recoveryCodes],
      [
        'regenerateRecoveryCodes',
        (client: AuthClient) => client.regenerateRecoveryCodes('123456'),
        'POST',
        '/api/v1/users/me/mfa/recovery-codes',
        { code: '123456' },
        recoveryCodes,
      ],
      ['disableTotp', (client: AuthClient) => client.disableTotp('abcde-fghjk'), 'DELETE', '/api/v1/users/me/mfa/totp', { code: 'abcde-fghjk' }, undefined],
    ])('%s sends its JSON body with the session cookies and X-CSRF-Token, and resolves to the answer', async (_name, call, method, path, body, answer) => {
      const { client, sent } = mfaService({
        login: () => json(200, session('csrf-1')),
        other: () => (answer === undefined ? new Response(null, { status: 204 }) : json(200, answer)),
      });
      await client.login('a@b.c', 'pw');
      await expect(call(client)).resolves.toEqual(answer);
      expect(sent.at(-1)).toEqual({ method, path, headers: expect.any(Headers), credentials: 'include', body });
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-1');
      expect(sent.at(-1)?.headers.get('content-type')).toBe('application/json');
    });

    it('mfaStatus GETs /users/me/mfa without X-CSRF-Token', async () => {
      const status = { totp: { enabled: true, createdAt: '2026-01-01T00:00:00.000Z' }, recoveryCodesRemaining: 9 };
      const { client, sent } = mfaService({ login: () => json(200, session('csrf-1')), other: () => json(200, status) });
      await client.login('a@b.c', 'pw');
      await expect(client.mfaStatus()).resolves.toEqual(status);
      expect(sent.at(-1)).toEqual({ method: 'GET', path: '/api/v1/users/me/mfa', headers: expect.any(Headers), credentials: 'include', body: undefined });
      expect(sent.at(-1)?.headers.has('x-csrf-token')).toBe(false);
    });

    it('refreshes once and retries disableTotp when the access token expired, and rejects 403 MFA_REQUIRED with its code', async () => {
      const answers = [error(401, 'TOKEN_EXPIRED'), json(200, session('csrf-2')), error(403, 'MFA_REQUIRED', 'Forbidden')];
      const { client, sent } = mfaService({ login: () => json(200, session('csrf-1')), other: () => answers.shift()! });
      await client.login('a@b.c', 'pw');
      await expect(client.disableTotp('123456')).rejects.toMatchObject({ status: 403, code: 'MFA_REQUIRED' });
      expect(sent.map((request) => request.path)).toEqual(['/api/v1/auth/login', '/api/v1/users/me/mfa/totp', '/api/v1/auth/refresh', '/api/v1/users/me/mfa/totp']);
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-2');
    });
  });
  describe('OpenID Connect providers', () => {
    /** A fake service: a session at login, `answer(path)` for every other request. */
    function providerService(answer: (path: string) => Response) {
      const { sent, fakeFetch } = recordingFetch((path) => (path === '/api/v1/auth/login' ? json(200, session('csrf-1')) : answer(path)));
      return { client: new AuthClient({ baseUrl: `${BASE}/`, fetch: fakeFetch }), sent };
    }

    it('providers GETs /auth/providers, public and without X-CSRF-Token', async () => {
      const providers = [{ name: 'corp', label: 'Corp SSO' }];
      const { client, sent } = providerService(() => json(200, providers));
      await expect(client.providers()).resolves.toEqual(providers);
      expect(sent).toEqual([{ method: 'GET', path: '/api/v1/auth/providers', headers: expect.any(Headers), credentials: 'include', body: undefined }]);
      expect(sent[0].headers.has('x-csrf-token')).toBe(false);
    });

    it('signInWithProviderUrl is the start URL on the service, with returnTo in the query when given, and sends nothing', () => {
      const { client, sent } = providerService(() => json(200, {}));
      expect(client.signInWithProviderUrl('corp')).toBe(`${BASE}/api/v1/auth/oidc/corp`);
      expect(client.signInWithProviderUrl('corp', '/account?tab=1')).toBe(`${BASE}/api/v1/auth/oidc/corp?returnTo=%2Faccount%3Ftab%3D1`);
      expect(client.signInWithProviderUrl('a/b')).toBe(`${BASE}/api/v1/auth/oidc/a%2Fb`);
      expect(sent).toEqual([]);
    });

    it.each([
      ['with a password and returnTo', ['pw', '/account'], { password: 'pw', returnTo: '/account' }],
      ['without a password (an account that has none)', [undefined, '/account'], { returnTo: '/account' }],
      ['with neither', [], {}],
    ] as const)('linkIdentity %s POSTs that body with X-CSRF-Token and resolves to the URL', async (_name, args, body) => {
      const { client, sent } = providerService(() => json(200, { url: 'https://idp.example.test/authorize?state=s' }));
      await client.login('a@b.c', 'pw');
      await expect(client.linkIdentity('corp', ...args)).resolves.toBe('https://idp.example.test/authorize?state=s');
      expect(sent.at(-1)).toEqual({ method: 'POST', path: '/api/v1/users/me/identities/corp', headers: expect.any(Headers), credentials: 'include', body });
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-1');
    });

    it('identities GETs the list; unlinkIdentity DELETEs one with X-CSRF-Token and rejects 409 LAST_SIGN_IN_METHOD with its code', async () => {
      const identity = { id: 'i1', provider: 'corp', subject: 'sub-1', email: 'a@b.c', linkedAt: '2026-01-01T00:00:00.000Z' };
      const answers = [json(200, [identity]), new Response(null, { status: 204 }), error(409, 'LAST_SIGN_IN_METHOD', 'Conflict')];
      const { client, sent } = providerService(() => answers.shift()!);
      await client.login('a@b.c', 'pw');
      await expect(client.identities()).resolves.toEqual([identity]);
      await expect(client.unlinkIdentity('i1')).resolves.toBeUndefined();
      await expect(client.unlinkIdentity('i1')).rejects.toMatchObject({ status: 409, code: 'LAST_SIGN_IN_METHOD' });
      expect(sent.slice(1).map(({ method, path }) => `${method} ${path}`)).toEqual([
        'GET /api/v1/users/me/identities',
        'DELETE /api/v1/users/me/identities/i1',
        'DELETE /api/v1/users/me/identities/i1',
      ]);
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-1');
    });

    it('completeMfa with fromCookie sends the code without an MFA token (the cookie carries it), and keeps the session', async () => {
      const { client, sent } = providerService(() => json(200, session('csrf-mfa')));
      await expect(client.completeMfa('123456', { fromCookie: true })).resolves.toEqual(session('csrf-mfa'));
      await expect(client.completeMfa({ recoveryCode: 'abcde-fghjk' }, { fromCookie: true })).resolves.toEqual(session('csrf-mfa'));
      expect(sent.map((request) => request.body)).toEqual([{ code: '123456' }, { recoveryCode: 'abcde-fghjk' }]);
      expect(sent[0]).toMatchObject({ method: 'POST', path: '/api/v1/auth/login/mfa', credentials: 'include' });
      await client.request('/api/v1/users/me', { method: 'PATCH', body: '{}' });
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-mfa');
    });

    it('completeMfa with fromCookie leaves a pending password challenge alone', async () => {
      const challenge = { mfaRequired: true, mfaToken: 'mfa-token-1', methods: ['totp', 'recovery_code'], expiresIn: 300 };
      const { sent, fakeFetch } = recordingFetch((path) => (path === '/api/v1/auth/login' ? json(200, challenge) : error(401, 'MFA_TOKEN_INVALID')));
      const client = new AuthClient({ baseUrl: BASE, fetch: fakeFetch });
      await client.login('a@b.c', 'pw');
      await expect(client.completeMfa('123456', { fromCookie: true })).rejects.toMatchObject({ status: 401, code: 'MFA_TOKEN_INVALID' });
      await expect(client.completeMfa('123456')).rejects.toMatchObject({ code: 'MFA_TOKEN_INVALID' });
      expect(sent.slice(1).map((request) => request.body)).toEqual([{ code: '123456' }, { mfaToken: 'mfa-token-1', code: '123456' }]);
    });
  });

  describe('passkeys', () => {
    const creationOptions = {
      rp: { id: 'auth.example.test', name: 'Auth service' },
      user: { id: 'dXNlci1oYW5kbGU', name: 'a@b.c', displayName: 'a@b.c' },
      challenge: 'cmVnaXN0cmF0aW9u',
      pubKeyCredParams: [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -257 },
      ],
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    };
    const requestOptions = { challenge: 'c2lnbi1pbg', rpId: 'auth.example.test', allowCredentials: [], userVerification: 'preferred' };
    const attestation = { id: 'Y3JlZA', rawId: 'Y3JlZA', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'o2Nm' } };
    const assertion = { id: 'Y3JlZA', rawId: 'Y3JlZA', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'YXV0aA', signature: 'c2ln' } };
    const passkey = { id: '6f1c0d1e-0000-4000-8000-000000000001', name: 'Laptop', createdAt: '2026-01-01T00:00:00.000Z', lastUsedAt: null, backedUp: false };
    const mfaChallenge = { mfaRequired: true, mfaToken: 'mfa-token-1', methods: ['totp', 'recovery_code'], expiresIn: 300 };

    /** A fake service: each path answers as `answers` says, else as a service with the account's passkeys would. */
    function passkeyService(answers: Record<string, () => Response> = {}) {
      const defaults: Record<string, () => Response> = {
        '/api/v1/auth/login': () => json(200, session('csrf-1')),
        '/api/v1/auth/refresh': () => json(200, session('csrf-2')),
        '/api/v1/auth/login/mfa': () => json(200, session('csrf-mfa')),
        '/api/v1/auth/passkey/options': () => json(200, { challengeId: 'challenge-1', options: requestOptions }),
        '/api/v1/auth/passkey/login': () => json(200, session('csrf-passkey')),
        '/api/v1/users/me/passkeys/options': () => json(200, creationOptions),
        '/api/v1/users/me/passkeys': () => json(201, passkey),
      };
      return recordingFetch((path) => (answers[path] ?? defaults[path] ?? (() => json(200, { path })))());
    }

    /** A fake browser: `parse*FromJSON` wrap the JSON they get, and `credentials` answer credentials whose toJSON() is `attestation` or `assertion`, or what `prompt` says. */
    function fakeBrowser(prompt: { create?: () => Promise<unknown>; get?: () => Promise<unknown> } = {}) {
      const prompts: Array<{ method: string; publicKey?: unknown; signal?: AbortSignal }> = [];
      const webAuthn: WebAuthnApi = {
        PublicKeyCredential: {
          parseCreationOptionsFromJSON: (options) => ({ parsedCreationOptions: options }),
          parseRequestOptionsFromJSON: (options) => ({ parsedRequestOptions: options }),
        },
        credentials: {
          create: (options) => {
            prompts.push({ method: 'create', ...options });
            return (prompt.create ?? (async () => ({ toJSON: () => attestation })))();
          },
          get: (options) => {
            prompts.push({ method: 'get', ...options });
            return (prompt.get ?? (async () => ({ toJSON: () => assertion })))();
          },
        },
      };
      return { webAuthn, prompts };
    }

    function setupPasskeys(options: { answers?: Record<string, () => Response>; prompt?: Parameters<typeof fakeBrowser>[0]; webAuthn?: WebAuthnApi } = {}) {
      const { sent, fakeFetch } = passkeyService(options.answers);
      const browser = fakeBrowser(options.prompt);
      const client = new AuthClient({ baseUrl: BASE, fetch: fakeFetch, webAuthn: options.webAuthn ?? browser.webAuthn });
      return { client, sent, prompts: browser.prompts, paths: () => sent.map((request) => `${request.method} ${request.path}`) };
    }

    const cancelled = () => Promise.reject(new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError'));

    it('registerPasskey POSTs the password for options, creates the credential from them, and POSTs its JSON with the name, with X-CSRF-Token', async () => {
      const { client, sent, prompts } = setupPasskeys();
      await client.login('a@b.c', 'pw');
      await expect(client.registerPasskey('pw', 'Laptop')).resolves.toEqual(passkey);
      expect(sent.slice(1)).toEqual([
        { method: 'POST', path: '/api/v1/users/me/passkeys/options', headers: expect.any(Headers), credentials: 'include', body: { password: 'pw' } },
        { method: 'POST', path: '/api/v1/users/me/passkeys', headers: expect.any(Headers), credentials: 'include', body: { response: attestation, name: 'Laptop' } },
      ]);
      expect(sent.slice(1).map((request) => request.headers.get('x-csrf-token'))).toEqual(['csrf-1', 'csrf-1']);
      expect(prompts).toEqual([{ method: 'create', publicKey: { parsedCreationOptions: creationOptions } }]);
    });

    it('registerPasskey without a name sends none (the service names it)', async () => {
      const { client, sent } = setupPasskeys();
      await client.login('a@b.c', 'pw');
      await client.registerPasskey('pw');
      expect(sent.at(-1)?.body).toEqual({ response: attestation });
    });

    it('registerPasskey refreshes once and retries the registration when the access token expired during the prompt', async () => {
      const answers = [error(401, 'TOKEN_EXPIRED'), json(201, passkey)];
      const { client, sent, prompts, paths } = setupPasskeys({ answers: { '/api/v1/users/me/passkeys': () => answers.shift()! } });
      await client.login('a@b.c', 'pw');
      await expect(client.registerPasskey('pw', 'Laptop')).resolves.toEqual(passkey);
      expect(paths()).toEqual([
        'POST /api/v1/auth/login',
        'POST /api/v1/users/me/passkeys/options',
        'POST /api/v1/users/me/passkeys',
        'POST /api/v1/auth/refresh',
        'POST /api/v1/users/me/passkeys',
      ]);
      expect(sent.at(-1)).toMatchObject({ body: { response: attestation, name: 'Laptop' } });
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-2');
      expect(prompts).toHaveLength(1);
    });

    it('loginWithPasskey POSTs for options, gets the credential with them, POSTs the challengeId with its JSON, and keeps the session as login does', async () => {
      const { client, sent, prompts } = setupPasskeys();
      await expect(client.loginWithPasskey()).resolves.toEqual(session('csrf-passkey'));
      expect(sent).toEqual([
        { method: 'POST', path: '/api/v1/auth/passkey/options', headers: expect.any(Headers), credentials: 'include', body: {} },
        {
          method: 'POST',
          path: '/api/v1/auth/passkey/login',
          headers: expect.any(Headers),
          credentials: 'include',
          body: { challengeId: 'challenge-1', response: assertion },
        },
      ]);
      expect(prompts).toEqual([{ method: 'get', publicKey: { parsedRequestOptions: requestOptions } }]);
      for (const request of sent) expect(request.headers.has('x-token-transport')).toBe(false);
      await client.request('/api/v1/users/me', { method: 'PATCH', body: '{}' });
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-passkey');
    });

    it('loginWithPasskey resolves to the MFA challenge (a passkey without user verification, TOTP enabled), which completeMfa finishes', async () => {
      const { client, sent } = setupPasskeys({ answers: { '/api/v1/auth/passkey/login': () => json(200, mfaChallenge) } });
      await expect(client.loginWithPasskey()).resolves.toEqual({ mfaRequired: true, methods: ['totp', 'recovery_code'], expiresIn: 300 });
      await expect(client.completeMfa('123456')).resolves.toEqual(session('csrf-mfa'));
      expect(sent.at(-1)).toEqual({
        method: 'POST',
        path: '/api/v1/auth/login/mfa',
        headers: expect.any(Headers),
        credentials: 'include',
        body: { mfaToken: 'mfa-token-1', code: '123456' },
      });
    });

    it('loginWithPasskey drops the challenge of an earlier password login', async () => {
      const { client } = setupPasskeys({
        answers: { '/api/v1/auth/login': () => json(200, mfaChallenge), '/api/v1/auth/passkey/login': () => error(401, 'PASSKEY_INVALID') },
      });
      await client.login('a@b.c', 'pw');
      await expect(client.loginWithPasskey()).rejects.toBeInstanceOf(AuthError);
      await expect(client.completeMfa('123456')).rejects.toThrow(/no second-factor challenge is pending/);
    });

    it('loginWithPasskey rejects 401 PASSKEY_INVALID as an AuthError and keeps no session', async () => {
      const { client, sent } = setupPasskeys({ answers: { '/api/v1/auth/passkey/login': () => error(401, 'PASSKEY_INVALID') } });
      await expect(client.loginWithPasskey()).rejects.toMatchObject({ name: 'AuthError', status: 401, code: 'PASSKEY_INVALID' });
      await client.request('/api/v1/users/me', { method: 'PATCH', body: '{}' });
      expect(sent.at(-1)?.headers.has('x-csrf-token')).toBe(false);
    });

    it('loginWithPasskey passes its AbortSignal to both requests and to the prompt', async () => {
      const { client, sent, prompts } = setupPasskeys();
      const { signal } = new AbortController();
      await client.loginWithPasskey({ signal });
      expect(sent.map((request) => request.signal)).toEqual([signal, signal]);
      expect(prompts[0].signal).toBe(signal);
    });

    it('an abort during the prompt rejects with the reason of the signal, not a PasskeyError, and sends no sign-in', async () => {
      const controller = new AbortController();
      const reason = new Error('the user chose the password form');
      const { client, paths } = setupPasskeys({
        prompt: {
          get: () => {
            controller.abort(reason);
            return Promise.reject(reason);
          },
        },
      });
      await expect(client.loginWithPasskey({ signal: controller.signal })).rejects.toBe(reason);
      expect(paths()).toEqual(['POST /api/v1/auth/passkey/options']);
    });

    it.each([
      ['registerPasskey', (client: AuthClient) => client.registerPasskey('pw', 'Laptop'), 'POST /api/v1/users/me/passkeys/options'],
      ['loginWithPasskey', (client: AuthClient) => client.loginWithPasskey(), 'POST /api/v1/auth/passkey/options'],
    ])(
      '%s rejects with a PasskeyError "cancelled", not an AuthError, when the user closes the prompt (NotAllowedError), and sends nothing more',
      async (_name, call, optionsRequest) => {
        const { client, paths } = setupPasskeys({ prompt: { create: cancelled, get: cancelled } });
        const failure = await call(client).catch((reason: unknown) => reason);
        expect(failure).toBeInstanceOf(PasskeyError);
        expect(failure).not.toBeInstanceOf(AuthError);
        expect(failure).toMatchObject({ name: 'PasskeyError', reason: 'cancelled', cause: expect.objectContaining({ name: 'NotAllowedError' }) });
        expect(paths()).toEqual([optionsRequest]);
      },
    );

    it('registerPasskey on an authenticator that already holds a passkey of the account rejects with a PasskeyError "exists" (InvalidStateError)', async () => {
      const { client } = setupPasskeys({
        prompt: {
          create: () =>
            Promise.reject(
              new DOMException(
                'The user attempted to register an authenticator that contains one of the credentials already registered with the relying party.',
                'InvalidStateError',
              ),
            ),
        },
      });
      await expect(client.registerPasskey('pw')).rejects.toMatchObject({ name: 'PasskeyError', reason: 'exists' });
    });

    const withoutJsonMethods: WebAuthnApi = { credentials: fakeBrowser().webAuthn.credentials, PublicKeyCredential: {} as WebAuthnApi['PublicKeyCredential'] };
    it.each([
      [
        'registerPasskey',
        'there is no WebAuthn (as in Node)',
        undefined,
        /Chromium 129\+, Firefox 119\+ or Safari 18\.4\+ .*in a secure context/,
        (client: AuthClient) => client.registerPasskey('pw'),
      ],
      [
        'loginWithPasskey',
        'there is no WebAuthn (as in Node)',
        undefined,
        /Chromium 129\+, Firefox 119\+ or Safari 18\.4\+ .*in a secure context/,
        (client: AuthClient) => client.loginWithPasskey(),
      ],
      [
        'registerPasskey',
        'PublicKeyCredential lacks the Level 3 JSON methods',
        withoutJsonMethods,
        /Chromium 129\+, Firefox 119\+ or Safari 18\.4\+/,
        (client: AuthClient) => client.registerPasskey('pw'),
      ],
      [
        'loginWithPasskey',
        'PublicKeyCredential lacks the Level 3 JSON methods',
        withoutJsonMethods,
        /Chromium 129\+, Firefox 119\+ or Safari 18\.4\+/,
        (client: AuthClient) => client.loginWithPasskey(),
      ],
    ])('%s where %s rejects with a PasskeyError "unsupported" that says what is needed, and sends nothing', async (_name, _browser, webAuthn, message, call) => {
      const { sent, fakeFetch } = passkeyService();
      const client = new AuthClient({ baseUrl: BASE, fetch: fakeFetch, ...(webAuthn ? { webAuthn } : {}) });
      await expect(call(client)).rejects.toMatchObject({ name: 'PasskeyError', reason: 'unsupported', message: expect.stringMatching(message) });
      expect(sent).toEqual([]);
    });

    it('registerPasskey rejects with a PasskeyError "unsupported" for a credential without toJSON(), and does not POST it', async () => {
      const { client, paths } = setupPasskeys({ prompt: { create: async () => ({ id: 'Y3JlZA', type: 'public-key' }) } });
      await expect(client.registerPasskey('pw')).rejects.toMatchObject({ name: 'PasskeyError', reason: 'unsupported', message: expect.stringMatching(/toJSON/) });
      expect(paths()).toEqual(['POST /api/v1/users/me/passkeys/options']);
    });

    it.each([
      ['passkeys', 'GET', '/api/v1/users/me/passkeys', (client: AuthClient) => client.passkeys(), undefined, () => json(200, [passkey]), [passkey]],
      [
        'renamePasskey',
        'PATCH',
        `/api/v1/users/me/passkeys/${passkey.id}`,
        (client: AuthClient) => client.renamePasskey(passkey.id, 'Phone'),
        { name: 'Phone' },
        () => json(200, { ...passkey, name: 'Phone' }),
        { ...passkey, name: 'Phone' },
      ],
      [
        'removePasskey',
        'DELETE',
        `/api/v1/users/me/passkeys/${passkey.id}`,
        (client: AuthClient) => client.removePasskey(passkey.id),
        undefined,
        () => new Response(null, { status: 204 }),
        undefined,
      ],
    ])(
      '%s sends %s %s with the session cookies (and X-CSRF-Token unless GET), and resolves to the answer',
      async (_name, method, path, call, body, answer, result) => {
        const { client, sent } = setupPasskeys({ answers: { [path]: answer } });
        await client.login('a@b.c', 'pw');
        await expect(call(client)).resolves.toEqual(result);
        expect(sent.at(-1)).toEqual({ method, path, headers: expect.any(Headers), credentials: 'include', body });
        expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe(method === 'GET' ? null : 'csrf-1');
      },
    );

    it.each([
      ['registerPasskey', 401, 'INVALID_CREDENTIALS', '/api/v1/users/me/passkeys/options', (client: AuthClient) => client.registerPasskey('wrong')],
      ['registerPasskey', 400, 'PASSKEY_INVALID', '/api/v1/users/me/passkeys', (client: AuthClient) => client.registerPasskey('pw')],
      ['removePasskey', 409, 'LAST_SIGN_IN_METHOD', `/api/v1/users/me/passkeys/${passkey.id}`, (client: AuthClient) => client.removePasskey(passkey.id)],
    ])('%s rejects %i %s of the service as an AuthError', async (_name, status, code, path, call) => {
      const { client } = setupPasskeys({ answers: { [path]: () => error(status, code, 'Refused') } });
      await client.login('a@b.c', 'pw');
      await expect(call(client)).rejects.toMatchObject({ name: 'AuthError', status, code });
    });
  });

  describe('administration', () => {
    const USER_ID = '6f1c0d1e-0000-4000-8000-00000000000a';
    const adminUser = {
      id: USER_ID,
      email: 'ann@b.c',
      emailVerified: true,
      pendingEmail: null,
      name: 'Ann',
      roles: ['user'],
      mfaEnabled: true,
      hasPassword: true,
      createdAt: '2026-01-01T00:00:00.000Z',
      disabled: false,
      lastLoginAt: '2026-01-02T00:00:00.000Z',
      activeSessions: 1,
    };
    const details = {
      ...adminUser,
      sessions: [
        {
          id: 's9',
          createdAt: '2026-01-02T00:00:00.000Z',
          lastUsedAt: '2026-01-02T00:05:00.000Z',
          expiresAt: '2026-02-01T00:00:00.000Z',
          userAgent: 'curl/8',
          ip: '203.0.113.7',
          aal: 'aal2',
          amr: ['pwd', 'otp'],
        },
      ],
      mfa: { totp: { enabled: true, createdAt: '2026-01-01T00:10:00.000Z' }, recoveryCodesRemaining: 10 },
      passkeys: 0,
      identities: [],
    };
    const entry = {
      id: '6f1c0d1e-0000-4000-8000-0000000000e1',
      at: '2026-01-03T00:00:00.000Z',
      actorId: 'u1',
      action: 'user_disabled',
      targetId: USER_ID,
      ip: '203.0.113.9',
      details: {},
    };
    const noContent = () => new Response(null, { status: 204 });

    /** A fake service: a session at login, `answer(path)` for every other request. */
    function adminService(answer: (path: string) => Response) {
      const { sent, fakeFetch } = recordingFetch((path) => (path === '/api/v1/auth/login' ? json(200, session('csrf-1')) : answer(path)));
      return { client: new AuthClient({ baseUrl: BASE, fetch: fakeFetch }), sent };
    }

    it.each([
      [
        'adminUsers',
        'GET',
        '/api/v1/admin/users',
        (client: AuthClient) => client.adminUsers(),
        undefined,
        () => json(200, { items: [adminUser], nextCursor: 'c2' }),
      ],
      ['adminUser', 'GET', `/api/v1/admin/users/${USER_ID}`, (client: AuthClient) => client.adminUser(USER_ID), undefined, () => json(200, details)],
      [
        'updateAdminUser',
        'PATCH',
        `/api/v1/admin/users/${USER_ID}`,
        (client: AuthClient) => client.updateAdminUser(USER_ID, { disabled: true }),
        { disabled: true },
        () => json(200, { ...details, disabled: true, sessions: [], activeSessions: 0 }),
      ],
      ['resetUserMfa', 'DELETE', `/api/v1/admin/users/${USER_ID}/mfa`, (client: AuthClient) => client.resetUserMfa(USER_ID), undefined, noContent],
      ['endUserSessions', 'DELETE', `/api/v1/admin/users/${USER_ID}/sessions`, (client: AuthClient) => client.endUserSessions(USER_ID), undefined, noContent],
      ['deleteUser', 'DELETE', `/api/v1/admin/users/${USER_ID}`, (client: AuthClient) => client.deleteUser(USER_ID), undefined, noContent],
      ['auditLog', 'GET', '/api/v1/admin/audit', (client: AuthClient) => client.auditLog(), undefined, () => json(200, { items: [entry], nextCursor: null })],
    ])(
      '%s sends %s %s with the session cookies (and X-CSRF-Token unless GET), and resolves to the answer (undefined for 204)',
      async (_name, method, path, call, body, answer) => {
        const { client, sent } = adminService(answer);
        await client.login('a@b.c', 'pw');
        const expected = answer();
        await expect(call(client)).resolves.toEqual(expected.status === 204 ? undefined : await expected.json());
        expect(sent.at(-1)).toEqual({ method, path, headers: expect.any(Headers), credentials: 'include', body });
        expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe(method === 'GET' ? null : 'csrf-1');
      },
    );

    it('adminUsers and auditLog put the given options in the query (encoded), and leave out the others and an empty q', async () => {
      const { client, sent } = adminService(() => json(200, { items: [], nextCursor: null }));
      await client.adminUsers({ q: 'ann o+b@x', limit: 50, cursor: 'abc/=' });
      await client.adminUsers({ q: '', limit: 5 });
      await client.adminUsers({ cursor: 'next' });
      await client.auditLog({ actor: 'u1', target: USER_ID, limit: 100, cursor: '42' });
      await client.auditLog({ target: USER_ID });
      expect(sent.map((request) => request.path)).toEqual([
        '/api/v1/admin/users?q=ann+o%2Bb%40x&limit=50&cursor=abc%2F%3D',
        '/api/v1/admin/users?limit=5',
        '/api/v1/admin/users?cursor=next',
        `/api/v1/admin/audit?actor=u1&target=${USER_ID}&limit=100&cursor=42`,
        `/api/v1/admin/audit?target=${USER_ID}`,
      ]);
    });

    it('updateAdminUser sends the roles and disabled as given, and nothing else', async () => {
      const { client, sent } = adminService(() => json(200, details));
      await client.login('a@b.c', 'pw');
      await client.updateAdminUser(USER_ID, { roles: ['user', 'admin'] });
      await client.updateAdminUser(USER_ID, { roles: [], disabled: false });
      expect(sent.slice(1).map((request) => request.body)).toEqual([{ roles: ['user', 'admin'] }, { roles: [], disabled: false }]);
      expect(sent.at(-1)?.headers.get('content-type')).toBe('application/json');
    });

    it('encodes the user id in the path', async () => {
      const { client, sent } = adminService(noContent);
      await client.login('a@b.c', 'pw');
      await client.endUserSessions('a/b?c');
      expect(sent.at(-1)?.path).toBe('/api/v1/admin/users/a%2Fb%3Fc/sessions');
    });

    it.each([
      ['updateAdminUser', 409, 'LAST_ADMIN', 'Conflict', (client: AuthClient) => client.updateAdminUser(USER_ID, { disabled: true })],
      ['deleteUser', 409, 'LAST_ADMIN', 'Conflict', (client: AuthClient) => client.deleteUser(USER_ID)],
      ['adminUsers', 403, 'MFA_REQUIRED', 'Forbidden', (client: AuthClient) => client.adminUsers({ q: 'ann' })],
      ['auditLog', 403, 'FORBIDDEN', 'Forbidden', (client: AuthClient) => client.auditLog()],
      ['resetUserMfa', 404, 'NOT_FOUND', 'Not Found', (client: AuthClient) => client.resetUserMfa(USER_ID)],
      ['adminUsers', 400, 'VALIDATION_FAILED', 'Bad Request', (client: AuthClient) => client.adminUsers({ cursor: 'forged' })],
    ])('%s rejects %i %s of the service as an AuthError with its code', async (_name, status, code, statusText, call) => {
      const { client } = adminService(() => error(status, code, statusText));
      await client.login('a@b.c', 'pw');
      await expect(call(client)).rejects.toMatchObject({ name: 'AuthError', status, code });
    });

    it('refreshes once and retries an admin call when the access token expired', async () => {
      const answers = [error(401, 'TOKEN_EXPIRED'), json(200, session('csrf-2')), noContent()];
      const { client, sent } = adminService(() => answers.shift()!);
      await client.login('a@b.c', 'pw');
      await expect(client.resetUserMfa(USER_ID)).resolves.toBeUndefined();
      expect(sent.map((request) => `${request.method} ${request.path}`)).toEqual([
        'POST /api/v1/auth/login',
        `DELETE /api/v1/admin/users/${USER_ID}/mfa`,
        'POST /api/v1/auth/refresh',
        `DELETE /api/v1/admin/users/${USER_ID}/mfa`,
      ]);
      expect(sent.at(-1)?.headers.get('x-csrf-token')).toBe('csrf-2');
    });
  });
});
