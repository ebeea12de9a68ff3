import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { currentSession, describeInBrowser, inPage, launchBrowser, signOut, step, TestBrowser } from '../support/browser';
import { freePort } from '../support/free-port';
import { callbackUrl, newIdpAccount, providerEnv, TestIdp, TestIdpAccount } from '../support/oidc-idp';
import { startTestApp, TestApp } from '../support/test-app';
import { TOTP_STEP_MS, totpCode } from '../support/totp';
import { registerUser, TestUser } from '../support/users';

const PROVIDER = 'idp';
const LABEL = 'Test IdP';
const CLIENT = { clientId: 'auth-service', clientSecret: 'the account page secret at the test IdP' };

/**
 * Sign-in with an OpenID Connect provider through the account page (/account,
 * and /mfa), in Chromium, against a real provider (oidc-provider in a child
 * process, on 127.0.0.1; it signs in whichever account the test queued, with no
 * form). The service listens on a port known before it starts, so that its
 * PUBLIC_URL and APP_URL, http://localhost:<port>, are registered at the
 * provider; the page is opened there. The provider's redirect back is then a
 * cross-site navigation, as in production: the flow cookie (Lax) must get
 * through it, and the session cookies (Strict) it sets must work on the page.
 */
describeInBrowser('the account page with an OpenID Connect provider, in Chromium', () => {
  let idp: TestIdp;
  let testApp: TestApp;
  let origin: string;
  let browser: TestBrowser;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    idp = await TestIdp.start({ clients: [{ ...CLIENT, redirectUris: [callbackUrl(origin, PROVIDER)] }] });
    testApp = await startTestApp(
      { APP_URL: origin, PUBLIC_URL: origin, OIDC_PROVIDERS: PROVIDER, ...providerEnv(PROVIDER, idp.issuer, CLIENT), OIDC_IDP_LABEL: LABEL },
      { port },
    );
    browser = await launchBrowser();
    page = browser.page;
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  /** The provider keeps a session of its own in the browser: without it, each flow logs in the account queued next. */
  const forgetProviderSession = () => browser.context.clearCookies({ domain: '127.0.0.1' });

  /** Presses the provider's button on the signed-out page, the provider signing `account` in. */
  async function signInAtProvider(account: TestIdpAccount): Promise<void> {
    await forgetProviderSession();
    await idp.nextLogin(account);
    await page.getByRole('link', { name: `Sign in with ${LABEL}` }).click();
  }

  afterAll(async () => {
    await browser?.close();
    await testApp?.close();
    await idp?.stop();
  });

  describe('a new identity', () => {
    const account = newIdpAccount();
    let secret: string;

    it('signs up with the provider button: back on /account as an account without a password, its identity listed', async () => {
      await step(browser, 'oidc-page-sign-up', async () => {
        await page.goto(`${origin}/account`);
        await signInAtProvider(account);
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        expect(new URL(page.url()).pathname).toBe('/account');
        expect(await page.locator('#profile-email').textContent()).toBe(account.email);
        await page.getByText('This account has no password').waitFor();
        for (const form of ['Add a passkey', 'Set up an authenticator app', 'Link a provider']) {
          expect(await page.getByRole('form', { name: form }).getByLabel('Password').isHidden()).toBe(true);
        }
        await identityList(page).getByText(`${account.email}, linked`).waitFor();
        expect(await identityList(page).getByRole('listitem').count()).toBe(1);
        expect(await currentSession(page)).toEqual({ aal: 'aal1', amr: ['fed'], current: true });
        expect(await inPage<{ hasPassword: boolean }>(page, '/api/v1/users/me')).toMatchObject({ email: account.email, hasPassword: false });
      });
    });

    it('cannot unlink the identity, its only way in: the page says LAST_SIGN_IN_METHOD', async () => {
      await step(browser, 'oidc-page-last-method', async () => {
        await page.getByRole('button', { name: `Unlink ${LABEL} (${account.email})` }).click();
        await page.getByRole('status').getByText('[LAST_SIGN_IN_METHOD]').waitFor();
        expect(await identityList(page).getByRole('listitem').count()).toBe(1);
      });
    });

    it('enrols TOTP without a password (a recent sign-in), then the provider sign-in asks for the code on /mfa', async () => {
      await step(browser, 'oidc-page-mfa', async () => {
        await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
        await page.getByRole('img', { name: 'QR code of the authenticator app secret' }).waitFor();
        secret = (await page.locator('#totp-secret').textContent()) ?? '';
        await page.getByLabel('Code shown by the app').fill(totpCode(secret, testApp.clock.now()));
        await page.getByRole('button', { name: 'Turn on the second factor' }).click();
        await page.getByRole('button', { name: 'I have saved them' }).click();
        await signOut(page);

        testApp.clock.advance(TOTP_STEP_MS);
        await signInAtProvider(account);
        await page.getByRole('heading', { name: 'Finish signing in' }).waitFor();
        expect(new URL(page.url()).pathname).toBe('/mfa');
        // Only the code is asked: no password form, no provider, no registration.
        expect(await page.getByRole('form', { name: 'Sign in with a password' }).isHidden()).toBe(true);
        expect(await page.getByRole('link', { name: `Sign in with ${LABEL}` }).isHidden()).toBe(true);
        expect(await page.getByRole('heading', { name: 'Create an account' }).isHidden()).toBe(true);
        expect(await page.locator('#passkey-login').isHidden()).toBe(true);
        await page.getByLabel('Code from your authenticator app, or a recovery code').fill(totpCode(secret, testApp.clock.now()));
        const completion = page.waitForRequest((request) => new URL(request.url()).pathname === '/api/v1/auth/login/mfa');
        await page.getByRole('button', { name: 'Verify' }).click();
        // The HttpOnly cookie carries the MFA token: the page has none to send.
        expect(Object.keys((await completion).postDataJSON() as object)).toEqual(['code']);
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        expect(new URL(page.url()).pathname).toBe('/account');
        expect(await currentSession(page)).toEqual({ aal: 'aal2', amr: ['fed', 'otp'], current: true });
        await signOut(page);
      });
    });
  });

  it('/mfa without a challenge (no MFA cookie, or an expired one) sends the browser back to /account to sign in again', async () => {
    await step(browser, 'oidc-page-mfa-expired', async () => {
      await page.goto(`${origin}/mfa`);
      await page.getByLabel('Code from your authenticator app, or a recovery code').fill('123456');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('status').getByText('[MFA_TOKEN_INVALID]').waitFor();
      expect(new URL(page.url()).pathname).toBe('/account');
      expect(await page.getByRole('form', { name: 'Sign in with a password' }).isVisible()).toBe(true);
    });
  });

  describe('an account with a password', () => {
    let user: TestUser;
    let identity: TestIdpAccount & { email: string };
    beforeAll(async () => {
      user = await registerUser(testApp, { email: `page-${randomUUID()}@example.com` });
      identity = newIdpAccount({ email: user.email });
    });

    it('is not signed in by an unknown identity with its address: the page says ACCOUNT_EXISTS', async () => {
      await step(browser, 'oidc-page-account-exists', async () => {
        await page.goto(`${origin}/account`);
        await signInAtProvider(identity);
        await page.getByRole('status').getByText('[ACCOUNT_EXISTS]').waitFor();
        expect(await page.getByRole('status').textContent()).toMatch(/never linked to a provider automatically/);
        expect(await page.getByRole('form', { name: 'Sign in with a password' }).isVisible()).toBe(true);
        expect(new URL(page.url()).search).toBe('');
      });
    });

    it('signs in with the password, links the provider (password asked again), sees it listed, and unlinks it', async () => {
      await step(browser, 'oidc-page-link', async () => {
        const form = page.getByRole('form', { name: 'Sign in with a password' });
        await form.getByLabel('Email').fill(user.email);
        await form.getByLabel('Password').fill(user.password);
        await form.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        await page.getByText('No identity of a provider is linked.').waitFor();

        await forgetProviderSession();
        await idp.nextLogin(identity);
        const link = page.getByRole('form', { name: 'Link a provider' });
        await link.getByLabel('Password').fill(user.password);
        await link.getByRole('button', { name: `Link ${LABEL}` }).click();
        await identityList(page).getByText(`${identity.email}, linked`).waitFor();
        expect(new URL(page.url()).pathname).toBe('/account');
        // Linking starts no session: the one signed in with the password goes on.
        expect(await currentSession(page)).toEqual({ aal: 'aal1', amr: ['pwd'], current: true });

        await page.getByRole('button', { name: `Unlink ${LABEL} (${identity.email})` }).click();
        await page.getByText('No identity of a provider is linked.').waitFor();
        expect(await inPage(page, '/api/v1/users/me/identities')).toEqual([]);
      });
    });
  });

  it('raised no Content Security Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });
});

function identityList(page: Page): Locator {
  return page.getByRole('list', { name: 'Linked identities' });
}
