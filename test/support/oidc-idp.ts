import { randomUUID } from 'node:crypto';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { CookieJar } from 'tough-cookie';
import { ApiClient, ApiResponse } from './api-client';
import { freePort } from './free-port';

/** A client the test provider knows, as the service is registered with it. */
export interface TestIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** The account the provider signs in, as its claims (`email` and `email_verified` come with the `email` scope, `name` with `profile`). */
export interface TestIdpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** Changes to the ID token of the next token response, which the provider then signs again. */
export interface IdTokenTampering {
  nonce?: string;
  aud?: string;
  iss?: string;
  /** Signed by another key that carries the provider's `kid`. */
  badSignature?: boolean;
  /** Without `email` and `email_verified` (userinfo still answers them). */
  omitEmail?: boolean;
}

export interface TestIdpState {
  pendingLogin: TestIdpAccount | null;
  pendingTamper: IdTokenTampering | null;
  /** Token responses that carried an ID token, since the start. */
  tokenResponses: number;
  tamperedResponses: number;
}

const SERVER = join(__dirname, 'oidc-idp', 'server.mjs');
const START_TIMEOUT_MS = 20_000;

/**
 * A real OpenID Provider (oidc-provider, in a child process: it is ESM-only)
 * on 127.0.0.1, with its issuer `http://127.0.0.1:<port>`. Code flow with PKCE
 * (S256) required; no forms: each authorization logs in the account given to
 * `nextLogin()` and grants the requested scopes. DEBUG_IDP=1 shows its logs.
 */
export class TestIdp {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    /** Exactly the `issuer` of its discovery document. */
    readonly issuer: string,
  ) {}

  /** Spawns the provider (on `port`, or a free one) and resolves once its discovery document answers. */
  static async start(options: { clients: TestIdpClient[]; port?: number }): Promise<TestIdp> {
    const port = options.port ?? (await freePort());
    const debug = process.env.DEBUG_IDP === '1';
    const child = spawn(process.execPath, [SERVER], {
      env: { ...process.env, IDP_PORT: String(port), IDP_CLIENTS: JSON.stringify(options.clients) },
      stdio: ['ignore', debug ? 'inherit' : 'ignore', debug ? 'inherit' : 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`;
    });

    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exited) throw new Error(`the test IdP ${exited} before it answered: ${stderr}`);
      try {
        const response = await fetch(`${base}/.well-known/openid-configuration`);
        if (response.ok) {
          const discovery = (await response.json()) as { issuer: string };
          return new TestIdp(child, port, discovery.issuer);
        }
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the test IdP did not answer its discovery within ${START_TIMEOUT_MS} ms: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops the provider (and waits until the process is gone). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  }

  /** The account the next authorization logs in (once). */
  async nextLogin(account: TestIdpAccount): Promise<void> {
    await this.control('POST', '/__test/next-login', account);
  }

  /** The ID token of the next token response is re-signed with `change` applied. */
  async tamperNextIdToken(change: IdTokenTampering): Promise<void> {
    await this.control('POST', '/__test/tamper-next-id-token', change);
  }

  /** What is queued, and how many token responses it has given. */
  async state(): Promise<TestIdpState> {
    return (await this.control('GET', '/__test/state')) as TestIdpState;
  }

  private async control(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(this.issuer + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`test IdP ${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  }
}

/** The URL a flow starts at: a 302 of the service (its Location), a `{ url }` body (linking), or the URL itself. */
export type FlowStart = string | { location: string } | ApiResponse;

function startUrl(start: FlowStart): string {
  if (typeof start === 'string') return start;
  if ('location' in start) return start.location;
  const url = start.status === 302 ? start.headers.get('location') : (start.body as { url?: string } | undefined)?.url;
  if (!url) throw new Error(`not the start of a flow: ${start.status} ${JSON.stringify(start.body)}`);
  return url;
}

/** The redirect the provider answered with, as the browser would follow it. */
export interface ProviderRedirect {
  /** The absolute URL of the service (its callback) the provider sent the browser to. */
  callbackUrl: string;
}

/**
 * Plays the browser at the provider: follows its redirects from `start` (with a
 * cookie jar of its own, new for each flow, so each flow logs in afresh) and
 * stops at the first redirect that leaves the provider, the service's callback.
 */
export async function providerRedirect(start: FlowStart): Promise<ProviderRedirect> {
  let url = new URL(startUrl(start));
  const providerOrigin = url.origin;
  const jar = new CookieJar();
  for (let hop = 0; hop < 10; hop++) {
    const cookie = jar.getCookieStringSync(url.href);
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) jar.setCookieSync(line, url.href);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${await response.text()}`);
    }
    await response.arrayBuffer().catch(() => undefined);
    const next = new URL(location, url);
    if (next.origin !== providerOrigin) return { callbackUrl: next.href };
    url = next;
  }
  throw new Error('the provider redirected more than 10 times');
}

/**
 * A whole flow in the browser's place: from the service's redirect to the
 * provider (`start`) to the provider's redirect back, then the callback through
 * `service`, the same client that started the flow (its cookie jar holds the
 * flow cookie). Answers the callback's response: a 302 with its Location, or a
 * JSON error.
 */
export async function followOidcFlow(service: ApiClient, start: FlowStart): Promise<ApiResponse> {
  const { callbackUrl } = await providerRedirect(start);
  const callback = new URL(callbackUrl);
  if (callback.origin !== new URL(service.baseUrl).origin) throw new Error(`the provider sent the browser to ${callbackUrl}, not to ${service.baseUrl}`);
  return service.get(callback.pathname + callback.search);
}

/** The callback the service registers at a provider: `PUBLIC_URL/api/v1/auth/oidc/<name>/callback`. */
export function callbackUrl(publicUrl: string, provider: string): string {
  return `${publicUrl}/api/v1/auth/oidc/${provider}/callback`;
}

/** The service's configuration for provider `name` at `issuer` with `client`: OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET. */
export function providerEnv(name: string, issuer: string, client: Pick<TestIdpClient, 'clientId' | 'clientSecret'>): Record<string, string> {
  const prefix = `OIDC_${name.toUpperCase().replace(/-/g, '_')}_`;
  return { [`${prefix}ISSUER`]: issuer, [`${prefix}CLIENT_ID`]: client.clientId, [`${prefix}CLIENT_SECRET`]: client.clientSecret };
}

/** A new identity at the provider: a unique sub and address, verified unless `overrides` say otherwise. */
export function newIdpAccount(overrides: Partial<TestIdpAccount> = {}): TestIdpAccount & { email: string } {
  const id = randomUUID();
  return { sub: `sub-${id}`, email: `oidc-${id}@example.com`, email_verified: true, name: 'Olive Idp', ...overrides };
}
