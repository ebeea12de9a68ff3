import { randomBytes } from 'node:crypto';
import { expectError } from './support/errors-assertions';
import { describeInBrowser, launchBrowser, TestBrowser } from './support/browser';
import { SmtpReceiver } from './support/smtp-receiver';
import { productionEnv } from './support/production-env';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, registerUser } from './support/users';

const NEW_PASSWORD = 'a new and much better passphrase';

describe('the pages the mailed links open (outside production)', () => {
  const smtp = new SmtpReceiver();
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ SMTP_URL: await smtp.start() });
  });
  afterAll(async () => {
    await app?.close();
    await smtp.stop();
  });

  /** The mailed link, on the test app's own origin (APP_URL is the default http://localhost:3000). */
  const onApp = (link: string) => {
    const { pathname, search } = new URL(link);
    return `${app.url}${pathname}${search}`;
  };

  it('serves both pages as HTML under the CSP, without the /api prefix, and their script', async () => {
    for (const path of ['/verify-email?token=abc', '/reset-password?token=abc']) {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await response.text();
      expect(html).toContain('<script src="/account-pages.js"></script>');
      expect(html).not.toContain('abc');
    }
    const script = await fetch(`${app.url}/account-pages.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain('/api/v1/auth/email/verify');
  });

  it('serves the account page at /account under the CSP, its script a file of its own (no inline script or handler)', async () => {
    const response = await fetch(`${app.url}/account`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/account.js">']);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    const script = await fetch(`${app.url}/account.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain('/auth/passkey/options');
  });

  it('serves the same page at /mfa, where a provider sign-in lands for the second factor, under the CSP and with no inline script', async () => {
    const response = await fetch(`${app.url}/mfa`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toBe(await (await fetch(`${app.url}/account`)).text());
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/account.js">']);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    // The script completes the second factor without an MFA token of its own: the HttpOnly cookie carries it.
    const script = await (await fetch(`${app.url}/account.js`)).text();
    expect(script).toContain("location.pathname === '/mfa'");
    expect(script).toContain("send('POST', '/auth/login/mfa', body)");
  });

  describeInBrowser('followed in Chromium', () => {
    let browser: TestBrowser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(() => browser?.close());

    it('confirms the address from the verification link', async () => {
      const user = await registerUser(app);
      const mail = await smtp.next(user.email, 'Confirm your email address');
      await browser.page.goto(onApp(mail.link!));
      await browser.page.getByRole('button', { name: 'Confirm my address' }).click();
      await browser.page.getByText('Your email address is confirmed.').waitFor();
      const { client } = await logIn(app, 'body', user);
      expect((await client.get('/api/v1/users/me')).body.emailVerified).toBe(true);
    });

    it('sets a new password from the reset link, and says why a weak one is refused', async () => {
      const user = await registerUser(app);
      await app.client().post('/api/v1/auth/password/forgot', { email: user.email });
      const mail = await smtp.next(user.email, 'Reset your password');
      await browser.page.goto(onApp(mail.link!));
      await browser.page.getByLabel('New password').fill('password');
      await browser.page.getByRole('button', { name: 'Set the new password' }).click();
      await browser.page.getByText(/common/i).waitFor();
      await browser.page.getByLabel('New password').fill(NEW_PASSWORD);
      await browser.page.getByRole('button', { name: 'Set the new password' }).click();
      await browser.page.getByText(/Your password has been changed/).waitFor();
      await logIn(app, 'body', { ...user, password: NEW_PASSWORD });
    });
  });
});

// Production needs a PostgreSQL server (DATABASE_URL): on the embedded database the block is skipped.
(process.env.TEST_DATABASE_URL ? describe : describe.skip)('the pages in production', () => {
  let app: TestApp;
  beforeAll(async () => {
    const secret = () => randomBytes(32).toString('base64url');
    app = await startTestApp({ ...productionEnv(), JWT_ALGORITHM: 'HS256', JWT_ACCESS_SECRET: secret(), JWT_REFRESH_SECRET: secret() });
  });
  afterAll(() => app?.close());

  it('are not served: there APP_URL is the application front end', async () => {
    for (const path of ['/verify-email?token=abc', '/account', '/account.js', '/mfa']) expectError(await app.client().get(path), 404, 'NOT_FOUND');
    expect((await app.client().get('/health/live')).status).toBe(200);
  });
});
