import { PayoutsModule } from './fixtures/payouts/payouts.module';
import { ApiClient, ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { startTestApp, TestApp } from './support/test-app';
import { enableTotp, expectStatus, TOTP_STEP_MS, totpCode } from './support/totp';
import { logIn, TestUser, Transport } from './support/users';

/**
 * @RequireAal2() in a feature module (PayoutsModule, which imports it from the
 * auth barrel only): an aal1 session is refused with 403 MFA_REQUIRED, a
 * session with a second factor passes, and @CurrentUser() there says how the
 * session was started.
 */

const API = '/api/v1';
const SUMMARY = `${API}/payouts/summary`;
const BANK_ACCOUNT = `${API}/payouts/bank-account`;
const LIMITS = `${API}/payouts/admin/limits`;
const MARKED = [BANK_ACCOUNT, LIMITS];
const BODY = { 'x-token-transport': 'body' };

describe('@RequireAal2() in a feature module', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({}, { modules: [PayoutsModule] });
    // TOTP codes follow the service's time, which then moves only when a test moves it.
    app.clock.freeze();
  });
  afterAll(() => app?.close());

  function expectMfaRequired(response: ApiResponse): void {
    expectError(response, 403, 'MFA_REQUIRED');
    expect(response.body).toEqual({ statusCode: 403, error: 'Forbidden', code: 'MFA_REQUIRED', message: expect.any(String) });
  }

  function bearer(accessToken: string): ApiClient {
    const client = app.client();
    client.bearer = accessToken;
    return client;
  }

  /** Password, then a code: the session response of POST /auth/login/mfa (body transport). */
  async function logInWithSecondFactor(user: TestUser, proof: { code: string } | { recoveryCode: string }): Promise<ApiResponse> {
    const challenge = expectStatus('login', await app.client().post(`${API}/auth/login`, { email: user.email, password: user.password }), 200);
    expect(challenge.body.mfaRequired).toBe(true);
    return expectStatus('login/mfa', await app.client().post(`${API}/auth/login/mfa`, { mfaToken: challenge.body.mfaToken, ...proof }, { headers: BODY }), 200);
  }

  it.each(MARKED)('answers 401 TOKEN_MISSING on %s without a token (protected as every route)', async (path) => {
    expectError(await app.client().get(path), 401, 'TOKEN_MISSING');
  });

  it.each<Transport>(['cookie', 'body'])(
    'answers 403 MFA_REQUIRED, the contract’s error body, to an aal1 session (%s transport), which the unmarked route serves',
    async (transport) => {
      const { client, user } = await logIn(app, transport);
      for (const path of MARKED) expectMfaRequired(await client.get(path));
      const summary = await client.get(SUMMARY);
      expect(summary.status).toBe(200);
      expect(summary.body).toEqual({ userId: user.id, aal: 'aal1', amr: ['pwd'] });
    },
  );

  it.each<Transport>(['cookie', 'body'])(
    'serves the session that enables TOTP at once, with the same token (%s transport); @CurrentUser() shows aal2 and ["pwd","otp"]',
    async (transport) => {
      const { client, user } = await logIn(app, transport);
      expectMfaRequired(await client.get(BANK_ACCOUNT));
      const credentials = { bearer: client.bearer, cookies: client.cookieNames().map((name) => [name, client.cookie(name)]) };
      // An enrolment not yet confirmed is no second factor.
      expectStatus('enrol', await client.post(`${API}/users/me/mfa/totp`, { password: user.password }), 200);
      expectMfaRequired(await client.get(BANK_ACCOUNT));

      await enableTotp(client, user.password, app.clock.now());
      // Nothing new was issued: the very token that was aal1 a moment ago.
      expect({ bearer: client.bearer, cookies: client.cookieNames().map((name) => [name, client.cookie(name)]) }).toEqual(credentials);
      for (const path of MARKED) {
        const response = await client.get(path);
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ userId: user.id, aal: 'aal2', amr: ['pwd', 'otp'] });
      }
    },
  );

  it('serves a new login completed with a TOTP code, and one completed with a recovery code', async () => {
    const enabling = await logIn(app, 'body');
    const { user } = enabling;
    const { secret, recoveryCodes } = await enableTotp(enabling.client, user.password, app.clock.now());

    // The next period's code: the confirming code's period counts as used.
    const withCode = await logInWithSecondFactor(user, { code: totpCode(secret, app.clock.now() + TOTP_STEP_MS) });
    for (const path of MARKED) {
      const response = await bearer(withCode.body.accessToken).get(path);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ userId: user.id, aal: 'aal2', amr: ['pwd', 'otp'] });
    }

    const withRecoveryCode = await logInWithSecondFactor(user, { recoveryCode: recoveryCodes[0] });
    const response = await bearer(withRecoveryCode.body.accessToken).get(BANK_ACCOUNT);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ userId: user.id, aal: 'aal2', amr: ['pwd', 'recovery_code'] });
  });
});
