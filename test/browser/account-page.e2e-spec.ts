import type { Locator, Page } from 'playwright-core';
import { currentSession, describeInBrowser, inPage, launchBrowser, signOut, step, TestBrowser } from '../support/browser';
import { freePort } from '../support/free-port';
import { startTestApp, TestApp } from '../support/test-app';
import { TOTP_STEP_MS, totpCode } from '../support/totp';
import { registerUser, TestUser } from '../support/users';

/**
 * The account page (/account) in Chromium, driven through its labels and roles,
 * in cookie transport. The DevTools protocol's virtual authenticator stands in
 * for a platform passkey (ctap2, internal, resident key, user verification).
 * The page is opened on http://localhost:<port>: a secure context whose host
 * can be the RP ID, which an IP cannot.
 */
describeInBrowser('the account page in Chromium', () => {
  let testApp: TestApp;
  let origin: string;
  let browser: TestBrowser;
  let page: Page;
  const cspViolations: string[] = [];
  const sent: Array<{ method: string; path: string }> = [];

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    testApp = await startTestApp({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: origin }, { port });
    browser = await launchBrowser();
    page = browser.page;
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('request', (request) => void sent.push({ method: request.method(), path: new URL(request.url()).pathname }));
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await testApp?.close();
  });

  describe('passkeys', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(testApp);
      await page.goto(`${origin}/account`);
    });

    it('signs in with the password and adds a named passkey, which is listed', async () => {
      await step(browser, 'account-page-add-passkey', async () => {
        await signInWithPassword(page, user);
        const add = page.getByRole('form', { name: 'Add a passkey' });
        await add.getByLabel('Name (optional)').fill('Test laptop');
        await add.getByLabel('Password').fill(user.password);
        await add.getByRole('button', { name: 'Add a passkey' }).click();
        await passkeyList(page).getByText('Test laptop').waitFor();
        expect((await inPage<Array<{ name: string }>>(page, '/api/v1/users/me/passkeys')).map((passkey) => passkey.name)).toEqual(['Test laptop']);
      });
    });

    it('signs out, then signs in with the passkey alone (no email): the session is aal2, amr hwk and user', async () => {
      await step(browser, 'account-page-passkey-sign-in', async () => {
        await signOut(page);
        await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        expect(await currentSession(page)).toEqual({ aal: 'aal2', amr: ['hwk', 'user'], current: true });
        const shown = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem').filter({ hasText: 'This session' });
        expect(await shown.textContent()).toMatch(/aal2.*amr: hwk, user/);
      });
    });

    it('renames the passkey, then removes it', async () => {
      await step(browser, 'account-page-rename-remove', async () => {
        await page.getByRole('button', { name: 'Rename Test laptop' }).click();
        await page.getByLabel('New name for Test laptop').fill('Work key');
        await page.getByRole('form', { name: 'Rename Test laptop' }).getByRole('button', { name: 'Save' }).click();
        await passkeyList(page).getByText('Work key').waitFor();
        await page.getByRole('button', { name: 'Remove Work key' }).click();
        await page.getByText('No passkey yet.').waitFor();
        expect(await passkeyList(page).getByRole('listitem').count()).toBe(0);
        expect(await inPage(page, '/api/v1/users/me/passkeys')).toEqual([]);
      });
    });

    it('opened on 127.0.0.1, where browsers refuse passkeys, says to open it on localhost', async () => {
      await step(browser, 'account-page-passkey-on-ip', async () => {
        await page.goto(`${origin.replace('localhost', '127.0.0.1')}/account`);
        await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
        await page
          .getByRole('status')
          .getByText(`open http://localhost:${new URL(origin).port}/account`)
          .waitFor();
      });
    });
  });

  describe('the second factor', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(testApp);
      await browser.context.clearCookies();
      await page.goto(`${origin}/account`);
    });

    it('enrols an authenticator app from the QR code, then signs in with the password and a code', async () => {
      await step(browser, 'account-page-totp', async () => {
        await signInWithPassword(page, user);
        const enrol = page.getByRole('form', { name: 'Set up an authenticator app' });
        await enrol.getByLabel('Password').fill(user.password);
        await enrol.getByRole('button', { name: 'Set up an authenticator app' }).click();
        const qrCode = page.getByRole('img', { name: 'QR code of the authenticator app secret' });
        await qrCode.waitFor();
        expect(await qrCode.evaluate((image) => image.decode().then(() => image.naturalWidth))).toBeGreaterThan(0);
        const secret = (await page.locator('#totp-secret').textContent()) ?? '';
        await page.getByLabel('Code shown by the app').fill(totpCode(secret, testApp.clock.now()));
        await page.getByRole('button', { name: 'Turn on the second factor' }).click();
        const saved = page.getByRole('button', { name: 'I have saved them' });
        await saved.waitFor();
        expect(await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).toBe(10);
        await saved.click();

        await signOut(page);
        testApp.clock.advance(TOTP_STEP_MS);
        await signInWithPassword(page, user, () => page.getByLabel('Code from your authenticator app, or a recovery code').waitFor());
        await page.getByLabel('Code from your authenticator app, or a recovery code').fill(totpCode(secret, testApp.clock.now()));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        expect(await currentSession(page)).toEqual({ aal: 'aal2', amr: ['pwd', 'otp'], current: true });
      });
    });

    it('after the access token expired, a reload refreshes once and shows the account', async () => {
      await step(browser, 'account-page-refresh', async () => {
        testApp.clock.advance((testApp.config.accessTokenTtlSeconds + 60) * 1000);
        const before = sent.length;
        await page.reload();
        await page.getByRole('heading', { name: 'Profile' }).waitFor();
        await page.getByRole('list', { name: 'Sessions' }).getByText('This session').waitFor();
        expect(sent.slice(before).filter((request) => request.path === '/api/v1/auth/refresh')).toEqual([{ method: 'POST', path: '/api/v1/auth/refresh' }]);
      });
    });
  });

  it('raised no Content Security Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });
});

async function signInWithPassword(page: Page, user: TestUser, signedIn = () => page.getByRole('heading', { name: 'Profile' }).waitFor()): Promise<void> {
  const form = page.getByRole('form', { name: 'Sign in with a password' });
  await form.getByLabel('Email').fill(user.email);
  await form.getByLabel('Password').fill(user.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await signedIn();
}

function passkeyList(page: Page): Locator {
  return page.getByRole('list', { name: 'Passkeys' });
}
