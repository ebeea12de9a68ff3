/**
 * A small, dependency-free reference client for single-page applications,
 * written against the HTTP contract (docs: API.md). It uses only `fetch` (and
 * `document.cookie` as a fallback for the CSRF token, when there is a document).
 *
 * Cookie transport: the browser keeps the access and refresh tokens in HttpOnly
 * cookies (`credentials: 'include'`); this client keeps the CSRF token from the
 * login/refresh body in memory and sends it as `X-CSRF-Token` on unsafe methods.
 *
 * When a request answers 401 because the access token expired, the client
 * refreshes once for every request waiting (one shared POST /auth/refresh) and
 * retries each of them once.
 */

/** The error body of the contract: `{ statusCode, error, code, message, details? }`. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  details?: Array<{ field: string; messages: string[] }>;
}

export interface ApiUser {
  id: string;
  email: string;
  emailVerified: boolean;
  /** A new address awaiting confirmation from the link mailed to it, or null. */
  pendingEmail: string | null;
  name?: string | null;
  roles: string[];
  createdAt: string;
}

/** The body of login and refresh in cookie transport. */
export interface SessionResponse {
  user: ApiUser;
  session: { id: string; accessTokenExpiresAt: string; refreshTokenExpiresAt: string };
  csrfToken: string;
}

/** An answer of the service that is not a success; `code` is the contract's error code. Network failures are thrown as fetch throws them. */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'AuthError';
  }

  /** An AuthError from a response that is not ok (the contract's JSON error body when there is one). */
  static async from(response: Response): Promise<AuthError> {
    const body = await readJson(response);
    const error = isErrorBody(body) ? body : undefined;
    return new AuthError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `${response.status} ${response.statusText}`.trim(), body);
  }
}

export interface AuthClientOptions {
  /** Origin (and optional prefix) of the service, e.g. `https://auth.example.com`. */
  baseUrl: string;
  /** The fetch to use (tests inject a fake); defaults to the global one. */
  fetch?: typeof fetch;
  /** Sent with every request; `include` (the default) lets the token cookies flow cross-origin. */
  credentials?: RequestInit['credentials'];
  /**
   * Cookie read for the CSRF token when none is held in memory (after a page
   * reload, say). Default: `__Host-csrf_token`, then `csrf_token` (COOKIE_SECURE=false).
   */
  csrfCookieName?: string | string[];
  /**
   * 401 codes that trigger a refresh. Default `TOKEN_EXPIRED`, and `TOKEN_MISSING`
   * while a session is held: in cookie transport the access cookie has
   * Max-Age = access TTL, so the browser drops it when the token expires and
   * the service then sees no token at all.
   */
  refreshOn?: string[];
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const AUTH = '/api/v1/auth';

interface RefreshFlight {
  /** The credential generation this refresh replaces. */
  from: number;
  promise: Promise<void>;
}

export class AuthClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly credentials: RequestInit['credentials'];
  private readonly csrfCookieNames: string[];
  private readonly refreshOn?: string[];
  private csrfToken?: string;
  /** Bumped on every login, refresh and logout: a 401 to a request sent with older credentials is retried, not refreshed again. */
  private generation = 0;
  private flight?: RefreshFlight;

  constructor(options: AuthClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    // A bare reference to window.fetch throws "Illegal invocation" when called as a method.
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.credentials = options.credentials ?? 'include';
    const names = options.csrfCookieName ?? ['__Host-csrf_token', 'csrf_token'];
    this.csrfCookieNames = Array.isArray(names) ? names : [names];
    this.refreshOn = options.refreshOn;
  }

  /** Starts a session in cookie transport and keeps its CSRF token; throws AuthError (e.g. INVALID_CREDENTIALS). */
  async login(email: string, password: string): Promise<SessionResponse> {
    const session = await this.expectJson<SessionResponse>(await this.send(`${AUTH}/login`, { method: 'POST', body: JSON.stringify({ email, password }) }));
    this.csrfToken = session.csrfToken;
    this.generation++;
    return session;
  }

  /** Ends this session (the service clears the cookies); local state is dropped even when the call fails. */
  async logout(): Promise<void> {
    try {
      await this.expectSuccess(await this.send(`${AUTH}/logout`, { method: 'POST', body: '{}' }));
    } finally {
      this.csrfToken = undefined;
      this.flight = undefined;
      this.generation++;
    }
  }

  /** Asks for a password-reset email (202 whether or not the address has an account). */
  async forgotPassword(email: string): Promise<void> {
    await this.expectSuccess(await this.send(`${AUTH}/password/forgot`, { method: 'POST', body: JSON.stringify({ email }) }));
  }

  /** Sets a new password with the token of the reset email; every session of the user ends. Throws AuthError TOKEN_INVALID (400) for a used or expired token. */
  async resetPassword(token: string, newPassword: string): Promise<void> {
    await this.expectSuccess(await this.send(`${AUTH}/password/reset`, { method: 'POST', body: JSON.stringify({ token, newPassword }) }));
  }

  /** Confirms an address (or a pending change of address) with the token of the email; throws AuthError TOKEN_INVALID (400) for a used or expired token. */
  async verifyEmail(token: string): Promise<void> {
    await this.expectSuccess(await this.send(`${AUTH}/email/verify`, { method: 'POST', body: JSON.stringify({ token }) }));
  }

  /** Mails a new verification link to the signed-in user (the old link stops working). */
  async resendVerification(): Promise<void> {
    await this.expectSuccess(await this.request(`${AUTH}/email/verify/resend`, { method: 'POST', body: '{}' }));
  }

  /** Asks to move the signed-in user to `newEmail`, which applies once confirmed from that inbox; throws AuthError EMAIL_TAKEN (409) for an address in use. */
  async changeEmail(newEmail: string, password: string): Promise<void> {
    await this.expectSuccess(await this.request('/api/v1/users/me/email', { method: 'POST', body: JSON.stringify({ newEmail, password }) }));
  }

  /** Cancels a pending change of address (its link stops working); resolves whether or not one was pending. */
  async cancelEmailChange(): Promise<void> {
    await this.expectSuccess(await this.request('/api/v1/users/me/email', { method: 'DELETE' }));
  }

  /**
   * Rotates the token pair. Concurrent callers share one POST /auth/refresh
   * (single flight) and all get its outcome: an AuthError with the contract's code on failure.
   */
  refresh(): Promise<void> {
    return this.refreshFrom(this.generation);
  }

  /**
   * fetch against the service with the cookies and, on unsafe methods, the CSRF
   * token. A 401 for an expired access token refreshes (once for all concurrent
   * callers) and retries the request once; if the refresh fails, its AuthError is thrown
   * (to every request of that session until the next login).
   * A `body` given as a stream cannot be replayed: pass strings, Blobs or FormData.
   */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const sentWith = this.generation;
    const response = await this.send(path, init);
    if (!(await this.needsRefresh(response))) return response;
    if (this.generation === sentWith) await this.refreshFrom(sentWith);
    return this.send(path, init);
  }

  /** `request` that parses the JSON answer, throwing AuthError when the status is not 2xx (undefined for 204). */
  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return this.expectJson<T>(await this.request(path, init));
  }

  private refreshFrom(generation: number): Promise<void> {
    // A refresh of these credentials is under way or has failed: share its outcome.
    if (this.flight?.from === generation) return this.flight.promise;
    const promise = this.send(`${AUTH}/refresh`, { method: 'POST', body: '{}' }).then(async (response) => {
      const session = await this.expectJson<SessionResponse>(response);
      if (this.flight?.promise !== promise) return; // logged in or out meanwhile
      this.csrfToken = session.csrfToken;
      this.generation++;
    });
    promise.catch(() => undefined); // the waiters handle it; no unhandled rejection when none waits
    this.flight = { from: generation, promise };
    return promise;
  }

  private async needsRefresh(response: Response): Promise<boolean> {
    if (response.status !== 401) return false;
    const body = await readJson(response.clone());
    if (!isErrorBody(body)) return false;
    const codes = this.refreshOn ?? (this.hasSession() ? ['TOKEN_EXPIRED', 'TOKEN_MISSING'] : ['TOKEN_EXPIRED']);
    return codes.includes(body.code);
  }

  private hasSession(): boolean {
    return this.currentCsrfToken() !== undefined;
  }

  private send(path: string, init: RequestInit): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
    const csrf = this.currentCsrfToken();
    if (UNSAFE_METHODS.has(method) && csrf && !headers.has('x-csrf-token')) headers.set('x-csrf-token', csrf);
    return this.fetchImpl(this.baseUrl + path, { credentials: this.credentials, ...init, method, headers });
  }

  private currentCsrfToken(): string | undefined {
    return this.csrfToken ?? readCookie(this.csrfCookieNames);
  }

  private async expectSuccess(response: Response): Promise<void> {
    if (!response.ok) throw await AuthError.from(response);
  }

  private async expectJson<T>(response: Response): Promise<T> {
    if (!response.ok) throw await AuthError.from(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as ApiErrorBody).code === 'string';
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await response.text());
  } catch {
    return undefined;
  }
}

/** The first of `names` found in document.cookie (undefined outside a browser). */
function readCookie(names: string[]): string | undefined {
  const doc = (globalThis as { document?: { cookie?: string } }).document;
  if (typeof doc?.cookie !== 'string') return undefined;
  const cookies = new Map(
    doc.cookie
      .split(';')
      .map((part) => part.trim().split('='))
      .filter((pair) => pair.length >= 2)
      .map(([name, ...value]) => [name, decodeURIComponent(value.join('='))] as const),
  );
  for (const name of names) {
    const value = cookies.get(name);
    if (value) return value;
  }
  return undefined;
}
