import type { Locator, Page } from 'playwright-core';
import { ApiClient } from '../support/api-client';
import { describeInBrowser, launchBrowser, signOut, step, TestBrowser } from '../support/browser';
import { expectError } from '../support/errors-assertions';
import { startTestApp, TestApp } from '../support/test-app';
import { enableTotp, EnabledTotp, expectStatus, TOTP_STEP_MS, totpCode } from '../support/totp';
import { logIn, registerUser, TestUser } from '../support/users';

/**
 * The admin view of the account page (/account) in Chromium, driven through its
 * labels and roles, in cookie transport: an admin searches a user, opens them,
 * disables and re-enables the account, resets its second factor, ends its
 * sessions, and reads those actions in the audit log. What the page did is
 * checked over HTTP, as the user it acted on sees it.
 */
describeInBrowser('the admin view of the account page in Chromium', () => {
  let testApp: TestApp;
  let browser: TestBrowser;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    testApp = await startTestApp();
    browser = await launchBrowser();
    page = browser.page;
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await testApp?.close();
  });

  /** A login over HTTP in body transport, as an app of the user would do it. */
  const login = (user: TestUser) => testApp.client().post('/api/v1/auth/login', { email: user.email, password: user.password }, bodyTransport);

  describe('an admin acting on a user with a second factor', () => {
    let admin: TestUser;
    let user: TestUser;
    let other: TestUser;
    let totp: EnabledTotp;
    /** A session of the user, started over HTTP before the admin acts. */
    let userSession: ApiClient;

    beforeAll(async () => {
      admin = await registerUser(testApp, { roles: ['admin'] });
      user = await registerUser(testApp, { name: 'Pat Target' });
      other = await registerUser(testApp);
      const signedIn = await logIn(testApp, 'body', user);
      totp = await enableTotp(signedIn.client, user.password, testApp.clock.now());
      userSession = signedIn.client;
      await page.goto(`${testApp.url}/account`);
    });

    it('is not shown to a user without the admin role', async () => {
      await step(browser, 'admin-view-hidden', async () => {
        await signInWithPassword(page, other);
        expect(await page.getByRole('heading', { name: 'Administration' }).isVisible()).toBe(false);
        await signOut(page);
      });
    });

    it('signs the admin in and shows the view: the newest users and the audit log, empty so far', async () => {
      await step(browser, 'admin-view-shown', async () => {
        await signInWithPassword(page, admin);
        await page.getByRole('heading', { name: 'Administration' }).waitFor();
        // Newest account first, with no search.
        await users(page).getByRole('listitem').first().getByText(other.email).waitFor();
        await page.getByText('No entry.').waitFor();
      });
    });

    it('searches the user by the beginning of the address and opens them: details, sessions, second factor', async () => {
      await step(browser, 'admin-view-open', async () => {
        await page.getByLabel('Email (its beginning) or part of a name').fill(user.email.slice(0, 12));
        await page.getByRole('search', { name: 'Search users' }).getByRole('button', { name: 'Search' }).click();
        await users(page).getByText(user.email).waitFor();
        expect(await users(page).getByRole('listitem').count()).toBe(1);
        await page.getByRole('button', { name: `Open ${user.email}` }).click();
        const panel = details(page);
        await panel.getByRole('heading', { name: `Pat Target (${user.email})` }).waitFor();
        expect(await panel.locator('#admin-user-state').textContent()).toBe('enabled');
        expect(await panel.locator('#admin-user-mfa').textContent()).toMatch(/^an authenticator app since .+; 10 recovery codes left$/);
        expect(await panel.locator('#admin-user-session-count').textContent()).toBe('1');
        expect(await panel.locator('#admin-user-passkeys').textContent()).toBe('0');
        expect(await sessionsOfUser(page).getByRole('listitem').textContent()).toMatch(/aal2.*amr: pwd, otp/);
      });
    });

    it('disables the account: its session ends and it cannot log in (403 ACCOUNT_DISABLED)', async () => {
      await step(browser, 'admin-view-disable', async () => {
        await page.getByRole('button', { name: 'Disable the account' }).click();
        await page.getByRole('button', { name: 'Enable the account again' }).waitFor();
        expect(await details(page).locator('#admin-user-state').textContent()).toBe('disabled: it cannot sign in');
        await sessionsOfUser(page).getByRole('listitem').waitFor({ state: 'detached' });
        await users(page).getByRole('listitem').filter({ hasText: user.email }).getByText('disabled', { exact: true }).waitFor();
        expect((await userSession.get('/api/v1/users/me')).status).toBe(401);
        expectError(await login(user), 403, 'ACCOUNT_DISABLED');
      });
    });

    it('enables it again: the password and a code sign in once more', async () => {
      await step(browser, 'admin-view-enable', async () => {
        await page.getByRole('button', { name: 'Enable the account again' }).click();
        await page.getByRole('button', { name: 'Disable the account' }).waitFor();
        expect(await details(page).locator('#admin-user-state').textContent()).toBe('enabled');
        const challenge = expectStatus('login', await login(user), 200);
        expect(challenge.body.mfaRequired).toBe(true);
        testApp.clock.advance(TOTP_STEP_MS);
        const code = totpCode(totp.secret, testApp.clock.now());
        expectStatus('login/mfa', await testApp.client().post('/api/v1/auth/login/mfa', { mfaToken: challenge.body.mfaToken, code }, bodyTransport), 200);
      });
    });

    it('resets the second factor: gone, with its sessions, and the password alone signs in', async () => {
      await step(browser, 'admin-view-reset-mfa', async () => {
        await page.getByRole('button', { name: `Open ${user.email}` }).click();
        await sessionsOfUser(page).getByRole('listitem').waitFor();
        await page.getByRole('button', { name: 'Reset the second factor' }).click();
        await details(page).locator('#admin-user-mfa').getByText('none', { exact: true }).waitFor();
        expect(await page.getByRole('button', { name: 'Reset the second factor' }).isVisible()).toBe(false);
        expect(await sessionsOfUser(page).getByRole('listitem').count()).toBe(0);
        const signedIn = expectStatus('login', await login(user), 200);
        expect(signedIn.body.mfaRequired).toBeUndefined();
        userSession = testApp.client();
        userSession.bearer = signedIn.body.accessToken;
        expectStatus('profile', await userSession.get('/api/v1/users/me'), 200);
      });
    });

    it('ends every session of the user', async () => {
      await step(browser, 'admin-view-end-sessions', async () => {
        await page.getByRole('button', { name: `Open ${user.email}` }).click();
        await sessionsOfUser(page).getByRole('listitem').waitFor();
        await page.getByRole('button', { name: 'End all sessions' }).click();
        await page.getByText('No live session.').waitFor();
        expect(await details(page).locator('#admin-user-session-count').textContent()).toBe('0');
        expect((await userSession.get('/api/v1/users/me')).status).toBe(401);
      });
    });

    it('reads those actions in the audit log, newest first, and narrows it to the user', async () => {
      await step(browser, 'admin-view-audit', async () => {
        // An entry about someone else, by another way in (the API), which the narrowed log leaves out.
        const otherAdmin = await logIn(testApp, 'body', await registerUser(testApp, { roles: ['admin'] }));
        expectStatus('end sessions', await otherAdmin.client.delete(`/api/v1/admin/users/${other.id}/sessions`), 204);

        await page.getByRole('button', { name: 'Reload the audit log' }).click();
        await auditLog(page).getByRole('listitem').nth(4).waitFor();
        expect(await auditActions(page)).toEqual(['sessions_ended', 'sessions_ended', 'mfa_reset', 'user_enabled', 'user_disabled']);
        const newest = auditLog(page).getByRole('listitem').first();
        expect(await newest.textContent()).toContain(other.email);

        await page.getByRole('button', { name: 'Audit entries about this user' }).click();
        await page.getByText(`The entries about ${user.email}, newest first.`).waitFor();
        expect(await auditActions(page)).toEqual(['sessions_ended', 'mfa_reset', 'user_enabled', 'user_disabled']);
        for (const entry of await auditLog(page).getByRole('listitem').all()) {
          expect(await entry.textContent()).toContain(user.email);
          expect(await entry.textContent()).toContain(`by ${admin.email}`);
        }
        expect(await auditLog(page).getByRole('listitem').first().textContent()).toMatch(/1 session ended/);

        await page.getByRole('button', { name: 'Show every entry' }).click();
        await page.getByText('Every admin action, newest first.').waitFor();
        expect(await auditActions(page)).toHaveLength(5);
      });
    });

    it('shows LAST_ADMIN when the last admin of the page would disable themselves', async () => {
      await step(browser, 'admin-view-last-admin', async () => {
        // The other admin (of the step before) loses the role, straight in the database: the page's admin is the last one.
        await testApp.dataSource.query(`UPDATE users SET roles = '{user}' WHERE id <> $1 AND 'admin' = ANY(roles)`, [admin.id]);
        await page.getByLabel('Email (its beginning) or part of a name').fill(admin.email);
        await page.getByRole('search', { name: 'Search users' }).getByRole('button', { name: 'Search' }).click();
        await page.getByRole('button', { name: `Open ${admin.email}` }).click();
        await details(page).getByRole('heading', { name: admin.email }).waitFor();
        await page.getByRole('button', { name: 'Disable the account' }).click();
        await page.getByRole('status').getByText('[LAST_ADMIN]').waitFor();
        expect(await page.getByRole('status').textContent()).toMatch(/^This is the last enabled admin/);
        expect(await details(page).locator('#admin-user-state').textContent()).toBe('enabled');
      });
    });
  });

  describe('with ADMIN_REQUIRE_MFA=true', () => {
    let strictApp: TestApp;
    beforeAll(async () => {
      strictApp = await startTestApp({ ADMIN_REQUIRE_MFA: 'true' });
      await browser.context.clearCookies();
    });
    afterAll(() => strictApp?.close());

    it('tells an admin signed in with the password alone to sign in with a second factor', async () => {
      await step(browser, 'admin-view-mfa-required', async () => {
        const admin = await registerUser(strictApp, { roles: ['admin'] });
        await page.goto(`${strictApp.url}/account`);
        await signInWithPassword(page, admin);
        const notice = page.locator('#admin-notice');
        await notice.waitFor();
        expect(await notice.textContent()).toMatch(/second factor.*\[MFA_REQUIRED\]$/);
        expect(await page.getByRole('heading', { name: 'Audit log' }).isVisible()).toBe(false);
      });
    });
  });

  it('raised no Content Security Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });
});

const bodyTransport = { headers: { 'x-token-transport': 'body' } };

async function signInWithPassword(page: Page, user: TestUser): Promise<void> {
  const form = page.getByRole('form', { name: 'Sign in with a password' });
  await form.getByLabel('Email').fill(user.email);
  await form.getByLabel('Password').fill(user.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Profile' }).waitFor();
}

const users = (page: Page): Locator => page.getByRole('list', { name: 'Users found', exact: true });
const details = (page: Page): Locator => page.locator('#admin-user');
const sessionsOfUser = (page: Page): Locator => page.getByRole('list', { name: 'Sessions of the user', exact: true });
const auditLog = (page: Page): Locator => page.getByRole('list', { name: 'Audit log', exact: true });
const auditActions = (page: Page): Promise<string[]> => auditLog(page).locator('li > .tag').allTextContents();
