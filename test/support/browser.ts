import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

/** Debian's chromium (apt-get install chromium); nothing is downloaded at run time. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

/** CI (`CI=true`, as .ci/run sets it) must run every suite, so there a missing Chromium fails instead of skipping. */
const onCi = ['true', '1', 'yes'].includes((process.env.CI ?? '').trim().toLowerCase());

/**
 * `describe` when Chromium is installed. Without it, a skipped block locally,
 * and on CI a block whose only test fails and says what is missing.
 */
export function describeInBrowser(name: string, suite: () => void): void {
  if (hasChromium) {
    describe(name, suite);
  } else if (onCi) {
    describe(name, () => {
      it('finds Chromium', () => {
        throw new Error(
          `Chromium not found at ${CHROMIUM_PATH} (install it: apt-get install chromium, or set CHROMIUM_PATH); with CI=${process.env.CI} the browser suites fail instead of skipping`,
        );
      });
    });
  } else {
    describe.skip(name, suite);
  }
}

export interface TestBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Saves a screenshot under test-artifacts/ (call it when a test fails). */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile, flags that keep it off the network beyond this machine;
 * `localhost` resolves to 127.0.0.1 (where test apps listen), never ::1: a page on
 * http://localhost:<port> is a secure context whose host can be a WebAuthn RP ID, which an IP cannot.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'auth-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP localhost 127.0.0.1',
    ],
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    screenshot: async (name) => {
      const file = join(process.cwd(), 'test-artifacts', `${name.replace(/[^\w.-]+/g, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: async () => {
      await browser.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Runs a step of a browser test; on failure saves a screenshot (`test-artifacts/<name>.png`) and names it in the error. */
export async function step(browser: TestBrowser, name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const file = await browser.screenshot(name).catch(() => 'none');
    if (error instanceof Error) error.message += `\n(screenshot: ${file})`;
    throw error;
  }
}

/** A session as the account page's tests look at it: `GET /auth/sessions`, reduced. */
export interface SessionItem {
  aal: string;
  amr: string[];
  current: boolean;
}

/** Signs out from the account page and waits for its signed-out view. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
}

/** GET `path` from the page, with its cookies. */
export function inPage<T = unknown>(page: Page, path: string): Promise<T> {
  return page.evaluate(async (url) => (await fetch(url)).json() as Promise<T>, path);
}

/** The page's own session, as the service lists it. */
export async function currentSession(page: Page): Promise<SessionItem | undefined> {
  const sessions = await inPage<SessionItem[]>(page, '/api/v1/auth/sessions');
  return sessions.filter((session) => session.current).map(({ aal, amr, current }) => ({ aal, amr, current }))[0];
}
