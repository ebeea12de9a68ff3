import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as ts from 'typescript';
import { describeInBrowser, launchBrowser, TestBrowser } from '../support/browser';
import { startTestApp, TestApp } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

/**
 * The reference client (client/src/auth-client.ts) in a real browser, against
 * the real service in cookie transport. The test page is served from another
 * port of 127.0.0.1: another origin (so CORS_ORIGINS must allow it, with
 * credentials) but the same site, so the SameSite=Strict cookies flow.
 */
describeInBrowser('AuthClient in a browser (cookie transport, cross-origin, same site)', () => {
  let page: PageServer;
  let testApp: TestApp;
  let user: TestUser;
  let browser: TestBrowser;
  const sent: Array<{ method: string; path: string }> = [];
  const answers: Array<{ method: string; path: string; status: number; code?: string }> = [];

  beforeAll(async () => {
    page = await servePage();
    testApp = await startTestApp({ ACCESS_TOKEN_TTL: '2s', JWT_CLOCK_TOLERANCE: '0', CORS_ORIGINS: page.origin });
    user = await registerUser(testApp);
    browser = await launchBrowser();
    browser.page.on('request', (request) => {
      sent.push({ method: request.method(), path: new URL(request.url()).pathname });
    });
    browser.page.on('response', (response) => {
      const request = response.request();
      const record = { method: request.method(), path: new URL(response.url()).pathname, status: response.status() };
      if (response.status() !== 401) return void answers.push(record);
      void response.json().then(
        (body: { code?: string }) => answers.push({ ...record, code: body.code }),
        () => answers.push(record),
      );
    });
    await browser.page.goto(`${page.origin}/`);
    await browser.page.waitForFunction('globalThis.AuthClient !== undefined');
  });

  afterAll(async () => {
    await browser?.close();
    await testApp?.close();
    await page?.close();
  });

  it('logs in, then 5 parallel json("/api/v1/users/me") calls all answer the profile', async () => {
    await step(browser, 'client-login', async () => {
      const emails = await browser.page.evaluate(
        async ({ baseUrl, email, password }) => {
          const scope = globalThis as any;
          scope.client = new scope.AuthClient({ baseUrl });
          await scope.client.login(email, password);
          const profiles = await Promise.all(Array.from({ length: 5 }, () => scope.client.json('/api/v1/users/me')));
          return profiles.map((profile: { email: string }) => profile.email);
        },
        { baseUrl: testApp.url, email: user.email, password: user.password },
      );
      expect(emails).toEqual(Array(5).fill(user.email));
      expect(countRefreshes()).toBe(0);
    });
  });

  it('after the access token expired, 8 parallel calls all succeed through exactly one POST /auth/refresh', async () => {
    await step(browser, 'client-refresh', async () => {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const before = sent.length;
      const answeredBefore = answers.length;
      const emails = await browser.page.evaluate(async () => {
        const scope = globalThis as any;
        const profiles = await Promise.all(Array.from({ length: 8 }, () => scope.client.json('/api/v1/users/me')));
        return profiles.map((profile: { email: string }) => profile.email);
      });
      expect(emails).toEqual(Array(8).fill(user.email));
      expect(countRefreshes()).toBe(1);
      // Every call was refused once (its access token was gone) and retried once.
      const me = sent.slice(before).filter((request) => request.method === 'GET' && request.path === '/api/v1/users/me');
      expect(me).toHaveLength(16);
      // The browser drops the access cookie at its Max-Age (= access TTL), so the
      // service sees no token (TOKEN_MISSING) rather than an expired one.
      const refused = () => answers.slice(answeredBefore).filter((answer) => answer.status === 401);
      await until(() => refused().length >= 8);
      expect(refused().map((answer) => answer.code)).toEqual(Array(8).fill(expect.stringMatching(/^TOKEN_(MISSING|EXPIRED)$/)));
    });
  });

  function countRefreshes(): number {
    return sent.filter((request) => request.method === 'POST' && request.path === '/api/v1/auth/refresh').length;
  }
});

interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/** A page at `/` that imports the client, transpiled for the browser, from `/auth-client.js` and exposes `AuthClient`. */
async function servePage(): Promise<PageServer> {
  const source = readFileSync(join(__dirname, '../../client/src/auth-client.ts'), 'utf8');
  const script = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2020 },
  }).outputText;
  const html = `<!doctype html><html><head><title>AuthClient</title></head><body>
<h1>AuthClient test page</h1>
<script type="module">import { AuthClient } from '/auth-client.js'; globalThis.AuthClient = AuthClient;</script>
</body></html>`;
  const server: Server = createServer((request, response) => {
    if (request.url === '/auth-client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
    } else if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits (at most 2 s) until `done()` holds: response bodies are read after the page has them. */
async function until(done: () => boolean): Promise<void> {
  for (let tries = 0; tries < 40 && !done(); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Runs a step; on failure saves a screenshot under test-artifacts/ before rethrowing. */
async function step(browser: TestBrowser, name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const file = await browser.screenshot(`client-${name}`).catch(() => 'none');
    if (error instanceof Error) error.message += `\n(screenshot: ${file})`;
    throw error;
  }
}
