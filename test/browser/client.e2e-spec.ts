import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CDPSession } from 'playwright-core';
import * as ts from 'typescript';
import { describeInBrowser, launchBrowser, step, TestBrowser } from '../support/browser';
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

/**
 * Passkeys through the client in Chromium, with the DevTools protocol's virtual
 * authenticator (CTAP2, platform, resident keys, user verification). WebAuthn
 * needs a secure context and an RP ID that is a domain, so the page is on
 * http://localhost:<port> (the origin the browser puts in clientDataJSON, hence
 * WEBAUTHN_ORIGINS) and the client calls the service at http://localhost:<other
 * port>: the same site, so the SameSite=Strict cookies flow.
 */
describeInBrowser('AuthClient passkeys in a browser (virtual authenticator, page on localhost)', () => {
  let page: PageServer;
  let testApp: TestApp;
  let user: TestUser;
  let browser: TestBrowser;
  let authenticator: VirtualAuthenticator;

  beforeAll(async () => {
    page = await servePage('localhost');
    testApp = await startTestApp({ CORS_ORIGINS: page.origin, WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: page.origin });
    user = await registerUser(testApp);
    browser = await launchBrowser();
    authenticator = await addVirtualAuthenticator(browser);
    await browser.page.goto(`${page.origin}/`);
    await browser.page.waitForFunction('globalThis.AuthClient !== undefined');
    await browser.page.evaluate(
      async ({ baseUrl, email, password }) => {
        const scope = globalThis as any;
        scope.client = new scope.AuthClient({ baseUrl });
        await scope.client.login(email, password);
      },
      { baseUrl: testApp.url.replace('127.0.0.1', 'localhost'), email: user.email, password: user.password },
    );
  });

  afterAll(async () => {
    await browser?.close();
    await testApp?.close();
    await page?.close();
  });

  it('registerPasskey makes a resident credential for RP ID localhost and answers the new passkey', async () => {
    await step(browser, 'client-passkey-register', async () => {
      const passkey = await browser.page.evaluate((password) => (globalThis as any).client.registerPasskey(password, 'Virtual authenticator'), user.password);
      expect(passkey).toEqual({ id: expect.any(String), name: 'Virtual authenticator', createdAt: expect.any(String), lastUsedAt: null, backedUp: false });
      expect(await authenticator.credentials()).toEqual([expect.objectContaining({ rpId: 'localhost', isResidentCredential: true })]);
    });
  });

  it('after logout, loginWithPasskey signs in with no email and the session answers the profile', async () => {
    await step(browser, 'client-passkey-login', async () => {
      const { result, me, passkeys } = await browser.page.evaluate(async () => {
        const client = (globalThis as any).client;
        await client.logout();
        const result = await client.loginWithPasskey();
        return { result, me: await client.json('/api/v1/users/me'), passkeys: await client.passkeys() };
      });
      expect(result.mfaRequired).toBeUndefined();
      expect(result.user.email).toBe(user.email);
      expect(me.email).toBe(user.email);
      expect(passkeys).toEqual([expect.objectContaining({ name: 'Virtual authenticator', lastUsedAt: expect.any(String) })]);
    });
  });

  it('registering again on the same authenticator rejects with a PasskeyError "exists" (the service excluded its credential)', async () => {
    await step(browser, 'client-passkey-exists', async () => {
      const failure = await browser.page.evaluate(
        (password) => (globalThis as any).client.registerPasskey(password).catch((globalThis as any).describeError),
        user.password,
      );
      expect(failure).toMatchObject({ name: 'PasskeyError', reason: 'exists', causeName: 'InvalidStateError' });
    });
  });

  it('a sign-in the authenticator declines (no passkey of this site on it) rejects with a PasskeyError "cancelled", not an AuthError', async () => {
    await step(browser, 'client-passkey-cancelled', async () => {
      await authenticator.clearCredentials();
      const failure = await browser.page.evaluate(() => (globalThis as any).client.loginWithPasskey().catch((globalThis as any).describeError));
      expect(failure).toMatchObject({ name: 'PasskeyError', reason: 'cancelled', causeName: 'NotAllowedError' });
    });
  });
});

interface VirtualAuthenticator {
  credentials(): Promise<Array<{ rpId: string; isResidentCredential: boolean }>>;
  clearCredentials(): Promise<void>;
}

/** A CTAP2 platform authenticator with resident keys that verifies the user and answers every prompt by itself. */
async function addVirtualAuthenticator(browser: TestBrowser): Promise<VirtualAuthenticator> {
  const cdp: CDPSession = await browser.context.newCDPSession(browser.page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as Array<{ rpId: string; isResidentCredential: boolean }>,
    clearCredentials: async () => void (await cdp.send('WebAuthn.clearCredentials', { authenticatorId })),
  };
}

interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * A page at `/` that imports the client, transpiled for the browser, from `/auth-client.js` and exposes `AuthClient`
 * and `describeError` (an error as plain data: name, reason, code, the name of its cause). It listens on 127.0.0.1;
 * `host` names it in the origin (`localhost`, which the test browser resolves to 127.0.0.1).
 */
async function servePage(host: '127.0.0.1' | 'localhost' = '127.0.0.1'): Promise<PageServer> {
  const source = readFileSync(join(__dirname, '../../client/src/auth-client.ts'), 'utf8');
  const script = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2020 },
  }).outputText;
  const html = `<!doctype html><html><head><title>AuthClient</title></head><body>
<h1>AuthClient test page</h1>
<script type="module">
import { AuthClient } from '/auth-client.js';
globalThis.describeError = (error) => ({ name: error.name, reason: error.reason, code: error.code, causeName: error.cause?.name, message: error.message });
globalThis.AuthClient = AuthClient;
</script>
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
    origin: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits (at most 2 s) until `done()` holds: response bodies are read after the page has them. */
async function until(done: () => boolean): Promise<void> {
  for (let tries = 0; tries < 40 && !done(); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
}
