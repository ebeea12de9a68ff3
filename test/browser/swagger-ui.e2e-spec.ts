import type { Locator } from 'playwright-core';
import { describeInBrowser, launchBrowser, TestBrowser } from '../support/browser';
import { startTestApp, TestApp } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

/**
 * Swagger UI at /docs, driven only through its own controls ("Try it out",
 * the JSON body editor, "Execute") in cookie transport: the page never sees
 * the access or refresh token, and the UI adds X-CSRF-Token by itself.
 */
describeInBrowser('Swagger UI in a browser (cookie transport)', () => {
  let testApp: TestApp;
  let docs: DocsPage;
  let user: TestUser;

  beforeAll(async () => {
    testApp = await startTestApp();
    user = await registerUser(testApp);
    docs = await openDocs(testApp);
  });

  afterAll(async () => {
    await docs?.browser.close();
    await testApp?.close();
  });

  it('renders the operations under the service CSP without violations', async () => {
    await step(docs, 'render', async () => {
      expect(await docs.browser.page.locator('.opblock').count()).toBeGreaterThan(5);
      expect(docs.cspViolations).toEqual([]);
    });
  });

  it('logs in from the UI in cookie transport and shows 200 with no token in the body', async () => {
    await step(docs, 'login', async () => {
      const { status, text } = await tryItOut(docs, 'auth', 'AuthController_login', { email: user.email, password: user.password });
      expect(status).toBe('200');
      expect(text).toContain('"csrfToken"');
      expect(text).not.toContain('"accessToken"');
      expect(text).not.toContain('"refreshToken"');
    });
  });

  it('keeps the access and refresh cookies out of reach of scripts, but not the csrf cookie', async () => {
    await step(docs, 'cookies', async () => {
      const names = (await docs.browser.context.cookies()).map((cookie) => cookie.name);
      expect(names).toEqual(expect.arrayContaining(['__Host-access_token', '__Secure-refresh_token', '__Host-csrf_token']));
      const readable = await docs.browser.page.evaluate<string>('document.cookie');
      expect(readable).toContain('__Host-csrf_token=');
      expect(readable).not.toContain('__Host-access_token');
      expect(readable).not.toContain('__Secure-refresh_token');
    });
  });

  it('answers GET /users/me with the profile of the signed-in user', async () => {
    await step(docs, 'me', async () => {
      const { status, text } = await tryItOut(docs, 'users', 'UsersController_me');
      expect(status).toBe('200');
      expect(text).toContain(user.email);
    });
  });

  it('refreshes with 200, the UI sending X-CSRF-Token from the cookie without the user pasting it', async () => {
    await step(docs, 'refresh', async () => {
      const csrfCookie = await cookieValue(docs, '__Host-csrf_token');
      expect((await tryItOut(docs, 'auth', 'AuthController_refresh', {})).status).toBe('200');
      const refresh = docs.requests.filter((request) => request.method === 'POST' && request.path === '/api/v1/auth/refresh');
      expect(refresh).toHaveLength(1);
      expect(csrfCookie).toBeTruthy();
      expect(refresh[0].headers['x-csrf-token']).toBe(csrfCookie);
    });
  });

  it('logs out with 204, after which GET /users/me answers 401', async () => {
    await step(docs, 'logout', async () => {
      expect((await tryItOut(docs, 'auth', 'AuthController_logout', {})).status).toBe('204');
      expect((await tryItOut(docs, 'users', 'UsersController_me')).status).toBe('401');
    });
  });
});

describeInBrowser('Swagger UI in a browser with COOKIE_SECURE=false', () => {
  let testApp: TestApp;
  let docs: DocsPage;

  beforeAll(async () => {
    testApp = await startTestApp({ COOKIE_SECURE: 'false' });
    docs = await openDocs(testApp);
  });

  afterAll(async () => {
    await docs?.browser.close();
    await testApp?.close();
  });

  it('sends the csrf_token cookie as X-CSRF-Token, so refresh answers 200', async () => {
    await step(docs, 'insecure-refresh', async () => {
      const user = await registerUser(testApp);
      expect((await tryItOut(docs, 'auth', 'AuthController_login', { email: user.email, password: user.password })).status).toBe('200');
      const csrfCookie = await cookieValue(docs, 'csrf_token');
      expect(csrfCookie).toBeTruthy();
      expect((await tryItOut(docs, 'auth', 'AuthController_refresh', {})).status).toBe('200');
      const refresh = docs.requests.filter((request) => request.path === '/api/v1/auth/refresh');
      expect(refresh.map((request) => request.headers['x-csrf-token'])).toEqual([csrfCookie]);
    });
  });
});

interface DocsPage {
  browser: TestBrowser;
  /** Every request the page sent, with its headers. */
  requests: Array<{ method: string; path: string; headers: Record<string, string> }>;
  /** Console messages about Content Security Policy violations. */
  cspViolations: string[];
}

/** A fresh browser on `${url}/docs`, once Swagger UI has rendered the operations. */
async function openDocs(testApp: TestApp): Promise<DocsPage> {
  const browser = await launchBrowser();
  const docs: DocsPage = { browser, requests: [], cspViolations: [] };
  browser.page.on('request', (request) => {
    void request.allHeaders().then((headers) => docs.requests.push({ method: request.method(), path: new URL(request.url()).pathname, headers }));
  });
  browser.page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) docs.cspViolations.push(message.text());
  });
  await step(docs, 'open', async () => {
    await browser.page.goto(`${testApp.url}/docs`);
    await operation(docs, 'auth', 'AuthController_login').waitFor();
  });
  return docs;
}

/** Runs a step; on failure saves a screenshot under test-artifacts/ before rethrowing. */
async function step<T>(docs: DocsPage, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const file = await docs.browser.screenshot(`swagger-ui-${name}`).catch(() => 'none');
    if (error instanceof Error) error.message += `\n(screenshot: ${file})`;
    throw error;
  }
}

function operation(docs: DocsPage, tag: string, operationId: string): Locator {
  return docs.browser.page.locator(`#operations-${tag}-${operationId}_v1`);
}

async function cookieValue(docs: DocsPage, name: string): Promise<string | undefined> {
  return (await docs.browser.context.cookies()).find((cookie) => cookie.name === name)?.value;
}

/** Opens the operation, "Try it out", fills the JSON body when given, "Execute": the status and response the UI shows. */
async function tryItOut(docs: DocsPage, tag: string, operationId: string, body?: unknown): Promise<{ status: string; text: string }> {
  const op = operation(docs, tag, operationId);
  if (!(await op.evaluate((element) => element.classList.contains('is-open')))) {
    await op.locator('.opblock-summary').first().click();
  }
  const tryOut = op.locator('.try-out__btn');
  if (/try it out/i.test((await tryOut.textContent()) ?? '')) await tryOut.click();
  // A second run of the same operation must not read the previous response.
  const clear = op.locator('.btn-clear');
  if (await clear.isVisible()) await clear.click();
  if (body !== undefined) await op.locator('textarea.body-param__text').fill(JSON.stringify(body));
  await op.locator('.execute').click();
  const live = op.locator('.responses-wrapper .live-responses-table tbody');
  const status = live.locator('.response-col_status').first();
  await status.waitFor();
  return {
    status: (await status.innerText()).trim(),
    text: await live.locator('.response-col_description').first().innerText(),
  };
}
