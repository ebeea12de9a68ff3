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
 *
 * Second factor: for an account with TOTP enabled, `login()` resolves to a
 * challenge (`mfaRequired: true`) instead of a session; the client keeps the
 * challenge's MFA token and `completeMfa()` finishes the login with a TOTP code
 * or a recovery code.
 *
 * Passkeys (WebAuthn): `registerPasskey(password)` adds one to the signed-in
 * account and `loginWithPasskey()` signs in with one, no email asked (a
 * discoverable credential). The client passes the service's options to
 * `navigator.credentials` and its answer back through the WebAuthn Level 3 JSON
 * methods (`PublicKeyCredential.parseCreationOptionsFromJSON`,
 * `parseRequestOptionsFromJSON`, `credential.toJSON()`: Chromium 129+,
 * Firefox 119+, Safari 18.4+, in a secure context); without them it throws a
 * PasskeyError `unsupported` before sending anything. A passkey sign-in
 * resolves as `login()` does: a session, or an MfaChallenge (a passkey that did
 * not verify the user, on an account with TOTP) for `completeMfa()`. Browser-side
 * failures (the user closing the prompt: `cancelled`) are PasskeyErrors, the
 * service's refusals AuthErrors (401 PASSKEY_INVALID, 400 PASSKEY_INVALID when
 * registering).
 *
 * OpenID Connect providers: `providers()` lists those the service is configured
 * with, and `signInWithProviderUrl(name)` is the URL to send the browser to
 * (a full-page navigation, not fetch: the provider shows its own pages). The
 * service answers the provider's callback with a redirect back to the app, with
 * the session in cookies, or `?error=CODE`. When the account has a second factor,
 * that redirect goes to `APP_URL/mfa` with the MFA token in an HttpOnly cookie:
 * there, `completeMfa(code, { fromCookie: true })` finishes the sign-in. A
 * signed-in user links more identities with `linkIdentity()` (whose URL the
 * browser then opens), lists them with `identities()` and removes one with
 * `unlinkIdentity()`.
 *
 * Administration (a user with the role `admin`; with `ADMIN_REQUIRE_MFA`, the
 * default in production, also a session signed in with a second factor, else
 * AuthError 403 MFA_REQUIRED): `adminUsers()` searches the users a page at a
 * time (`nextCursor`), `adminUser(id)` reads one with its sessions, second
 * factor, passkey count and identities, `updateAdminUser()` changes roles or
 * disables and re-enables, `resetUserMfa()`, `endUserSessions()` and
 * `deleteUser()` act on an account, and `auditLog()` reads the audit log,
 * newest first. 409 LAST_ADMIN refuses what would leave no enabled admin.
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
  /** Whether the account has a second factor (TOTP) enabled. */
  mfaEnabled: boolean;
  /** False for an account a provider sign-in created, until a password is set through forgot-password. */
  hasPassword: boolean;
  createdAt: string;
}

/** The body of login and refresh in cookie transport. */
export interface SessionResponse {
  user: ApiUser;
  session: { id: string; accessTokenExpiresAt: string; refreshTokenExpiresAt: string };
  csrfToken: string;
}

/** A second factor that can complete a login. */
export type MfaMethod = 'totp' | 'recovery_code';

/**
 * What `login()` resolves to when the account has a second factor: no session yet
 * (no cookie, no token). Finish with `completeMfa(code)` or
 * `completeMfa({ recoveryCode })` within `expiresIn` seconds; the client keeps the
 * challenge's MFA token itself.
 */
export interface MfaChallenge {
  mfaRequired: true;
  methods: MfaMethod[];
  /** Seconds the challenge stays valid (it also dies after 5 wrong codes). */
  expiresIn: number;
}

/**
 * What `login()` resolves to: the session (exactly as before, with no
 * `mfaRequired`), or an MfaChallenge. Tell them apart with `result.mfaRequired`:
 * `true` for the challenge, `undefined` for the session.
 */
export type LoginResult = (SessionResponse & { mfaRequired?: never }) | MfaChallenge;

/** The proof `completeMfa()` sends: a TOTP code (a string, or `{ code }`) or `{ recoveryCode }`. */
export type MfaProof = string | { code: string; recoveryCode?: never } | { recoveryCode: string; code?: never };

/** GET /users/me/mfa. */
export interface MfaStatus {
  /** `createdAt`: when TOTP was enabled; null while it is not (a pending enrolment included). */
  totp: { enabled: boolean; createdAt: string | null };
  recoveryCodesRemaining: number;
}

/** A pending TOTP enrolment: show `qrCodeSvg` (or `secret`), then confirm with a code of the app. */
export interface TotpEnrolment {
  /** Base32. */
  secret: string;
  otpauthUri: string;
  /** An `<svg` document of the otpauth URI. */
  qrCodeSvg: string;
}

/** New recovery codes (`xxxxx-xxxxx`), shown this once. */
export interface RecoveryCodes {
  recoveryCodes: string[];
}

/** A passkey of the signed-in user (GET /users/me/passkeys); `lastUsedAt` is null until its first sign-in. */
export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Whether the authenticator says the credential is backed up (synced), as of its last use. */
  backedUp: boolean;
}

/** An OpenID Connect provider the service signs in with (GET /auth/providers): its name in URLs and the label to show. */
export interface Provider {
  name: string;
  label: string;
}

/** A provider identity linked to the signed-in account (GET /users/me/identities). */
export interface LinkedIdentity {
  id: string;
  /** The provider's name, as in `providers()`. */
  provider: string;
  /** The provider's subject (`sub`) for this user. */
  subject: string;
  /** The address the provider gave when it was linked, if any. */
  email: string | null;
  linkedAt: string;
}

/** A user as an admin sees it in a search (GET /admin/users): the profile, and whether it is disabled, when it last signed in, its live sessions. */
export interface AdminUser extends ApiUser {
  /** A disabled account cannot sign in (403 ACCOUNT_DISABLED) and has no session. */
  disabled: boolean;
  /** When its latest session started; null if it never signed in. */
  lastLoginAt: string | null;
  activeSessions: number;
}

/** A live session of a user, as an admin sees it. */
export interface AdminUserSession {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  aal: string;
  amr: string[];
}

/** One user as an admin opens it (GET /admin/users/:id); never a hash, secret or key. */
export interface AdminUserDetails extends AdminUser {
  /** Its live sessions, most recently used first. */
  sessions: AdminUserSession[];
  /** Its second factor, as `mfaStatus()` answers it for the user. */
  mfa: MfaStatus;
  /** How many passkeys it has. */
  passkeys: number;
  identities: LinkedIdentity[];
}

/** What `updateAdminUser()` may change; anything else is refused (400 VALIDATION_FAILED). */
export interface AdminUserUpdate {
  /** Replaces the roles: unique names of lower-case letters, digits, `_` and `-` (at most 20). */
  roles?: string[];
  disabled?: boolean;
}

/** A page of a list read with a cursor: pass `nextCursor` back for the next page; null after the last. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The options of `adminUsers()`. */
export interface AdminUserQuery {
  /** The beginning of an address, or a part of a name (case-insensitive); every user when left out. */
  q?: string;
  /** 1 to 100; the service's default is 20. */
  limit?: number;
  cursor?: string;
}

/** The options of `auditLog()`. */
export interface AuditQuery {
  /** Only the entries of this admin (a user id). */
  actor?: string;
  /** Only the entries about this user (a user id; entries stay after the user is deleted). */
  target?: string;
  /** 1 to 100; the service's default is 20. */
  limit?: number;
  cursor?: string;
}

/** An admin action the audit log records. */
export type AuditAction = 'roles_changed' | 'user_disabled' | 'user_enabled' | 'mfa_reset' | 'sessions_ended' | 'user_deleted';

/** An entry of the audit log (which no route changes or deletes). */
export interface AuditEntry {
  id: string;
  at: string;
  /** The admin who acted; null for the command line (`details.via` names the command). */
  actorId: string | null;
  /** One of AuditAction (a string, so that an action added to the service later still reads). */
  action: AuditAction | (string & {});
  targetId: string | null;
  ip: string | null;
  /** e.g. `{ from, to }` for roles_changed, `{ sessions }` for sessions_ended, `{ email }` for user_deleted. */
  details: Record<string, unknown> | null;
}

/** How `completeMfa()` finds the challenge. */
export interface CompleteMfaOptions {
  /**
   * The challenge came in the HttpOnly `__Host-mfa_token` cookie, not in a login answer: a sign-in
   * with a provider whose account has a second factor, redirected to `APP_URL/mfa`. No MFA token is
   * sent; the browser's cookie carries it (so no challenge need be pending in this client).
   */
  fromCookie?: boolean;
}

/**
 * The WebAuthn Level 3 statics of `PublicKeyCredential` the client calls (the browser's own by default).
 * Options and credentials are passed through as the browser makes them, hence `unknown`.
 */
export interface PublicKeyCredentialJsonMethods {
  parseCreationOptionsFromJSON(options: object): unknown;
  parseRequestOptionsFromJSON(options: object): unknown;
}

/** What the client calls of `navigator.credentials` (the browser's own by default). */
export interface CredentialsContainerLike {
  create(options?: { publicKey?: unknown; signal?: AbortSignal }): Promise<unknown>;
  get(options?: { publicKey?: unknown; signal?: AbortSignal }): Promise<unknown>;
}

/** The browser APIs of passkeys, injectable (tests pass fakes); each defaults to the global one at the time of the call. */
export interface WebAuthnApi {
  /** `navigator.credentials`. */
  credentials?: CredentialsContainerLike;
  /** The `PublicKeyCredential` interface object (its static JSON methods). */
  PublicKeyCredential?: PublicKeyCredentialJsonMethods;
}

/**
 * Why a passkey ceremony failed in the browser (the service's refusals are AuthErrors):
 * - `unsupported`: no WebAuthn, or not its Level 3 JSON methods (Chromium 129+, Firefox 119+, Safari 18.4+ have them;
 *   WebAuthn also needs a secure context: https, or http://localhost), or a credential without `toJSON()`
 *   (an extension that replaced `navigator.credentials`); thrown before anything is sent when it can be told up front;
 * - `cancelled`: the user closed or declined the prompt, or it timed out (NotAllowedError: browsers do not tell these apart);
 * - `exists`: registering on an authenticator that already holds a passkey of this account (InvalidStateError);
 * - `failed`: any other error of the browser (`cause`), e.g. SecurityError when the service's RP ID does not fit the page's origin.
 * An AbortSignal that aborts rejects with its reason (an AbortError), as fetch does, not with a PasskeyError.
 */
export type PasskeyErrorReason = 'unsupported' | 'cancelled' | 'exists' | 'failed';

export class PasskeyError extends Error {
  /** The browser's error (a DOMException), as Error's `cause` of ES2022. */
  declare readonly cause?: unknown;

  constructor(
    readonly reason: PasskeyErrorReason,
    message: string,
    cause?: unknown,
  ) {
    super(message);
    this.name = 'PasskeyError';
    if (cause !== undefined) Object.defineProperty(this, 'cause', { value: cause, enumerable: false, writable: true, configurable: true });
  }
}

/** POST /auth/passkey/options. */
interface PasskeySignInOptions {
  challengeId: string;
  options: object;
}

/** The login answer of the service when a second factor is needed (the client keeps `mfaToken`). */
interface MfaChallengeResponse extends MfaChallenge {
  mfaToken: string;
}

/**
 * An answer of the service that is not a success; `code` is the contract's error code, and
 * `retryAfter` the seconds of a `Retry-After` header (429 RATE_LIMITED, 503). Network failures are thrown as fetch throws them.
 */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: unknown,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AuthError';
  }

  /** An AuthError from a response that is not ok (the contract's JSON error body when there is one). */
  static async from(response: Response): Promise<AuthError> {
    const body = await readJson(response);
    const error = isErrorBody(body) ? body : undefined;
    return new AuthError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `${response.status} ${response.statusText}`.trim(),
      body,
      retryAfterSeconds(response.headers.get('retry-after')),
    );
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
  /** `navigator.credentials` and `PublicKeyCredential`, for passkeys; defaults to the browser's. */
  webAuthn?: WebAuthnApi;
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const AUTH = '/api/v1/auth';
const PASSKEYS = '/api/v1/users/me/passkeys';
const IDENTITIES = '/api/v1/users/me/identities';
const ADMIN = '/api/v1/admin';
const WEBAUTHN_JSON_BROWSERS = 'Chromium 129+, Firefox 119+ or Safari 18.4+';

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
  private readonly webAuthnApi: WebAuthnApi;
  private csrfToken?: string;
  /** The MFA token of the pending login challenge, if any. */
  private mfaToken?: string;
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
    this.webAuthnApi = options.webAuthn ?? {};
  }

  /**
   * Starts a session in cookie transport and keeps its CSRF token; throws AuthError (e.g. INVALID_CREDENTIALS).
   *
   * For an account with a second factor the service starts no session yet: the result is then an
   * MfaChallenge. Tell the two apart with `result.mfaRequired` (`true` for the challenge, absent on
   * the session, which is the service's session body as before):
   *
   * ```ts
   * const result = await client.login(email, password);
   * if (result.mfaRequired) await client.completeMfa(codeFromTheUser); // or { recoveryCode }
   * ```
   *
   * The client keeps the challenge's MFA token for `completeMfa()`; a new login drops any earlier one.
   */
  async login(email: string, password: string): Promise<LoginResult> {
    this.mfaToken = undefined;
    return this.startLogin(await this.send(`${AUTH}/login`, { method: 'POST', body: JSON.stringify({ email, password }) }));
  }

  /**
   * Signs in with a passkey, no email asked: POST /auth/passkey/options, the browser's prompt
   * (`navigator.credentials.get`, any passkey of this site), then POST /auth/passkey/login in the
   * transport of login. Resolves as `login()` does: the session, or, for a passkey that did not verify
   * the user on an account with TOTP, an MfaChallenge to finish with `completeMfa()`.
   * Throws PasskeyError (`unsupported` before sending anything, `cancelled` when the user closes the prompt)
   * and AuthError (401 PASSKEY_INVALID: a passkey the service does not know, e.g. one of a deleted account).
   * `signal` aborts the requests and the prompt. A new sign-in drops any pending second-factor challenge.
   */
  async loginWithPasskey(options: { signal?: AbortSignal } = {}): Promise<LoginResult> {
    const { signal } = options;
    const webAuthn = this.webAuthn();
    this.mfaToken = undefined;
    const { challengeId, options: requestOptions } = await this.expectJson<PasskeySignInOptions>(
      await this.send(`${AUTH}/passkey/options`, { method: 'POST', body: '{}', signal }),
    );
    const credential = await ceremony(
      'get',
      () => webAuthn.credentials.get({ publicKey: webAuthn.PublicKeyCredential.parseRequestOptionsFromJSON(requestOptions), signal }),
      signal,
    );
    const response = credentialJson(credential);
    return this.startLogin(await this.send(`${AUTH}/passkey/login`, { method: 'POST', body: JSON.stringify({ challengeId, response }), signal }));
  }

  /**
   * Completes the login whose challenge `login()` returned, with a TOTP code (`'123456'` or `{ code }`)
   * or a recovery code (`{ recoveryCode }`): POST /auth/login/mfa in the transport of login, and the
   * session is kept exactly as login keeps it. The MFA token is used once; on failure, an AuthError:
   * - 401 MFA_CODE_INVALID: a wrong code; the challenge stays pending (up to 5 wrong codes), ask again;
   * - 401 MFA_TOKEN_INVALID: the challenge is used up or expired; the client forgets it, log in again;
   * - 429 RATE_LIMITED: the account's second factor is locked; `retryAfter` says for how many seconds.
   * Rejects with a plain Error, sending nothing, when no challenge is pending.
   *
   * After a sign-in with a provider redirected to `APP_URL/mfa`, the challenge is in an HttpOnly cookie
   * this client cannot see: pass `{ fromCookie: true }`, and no MFA token is sent (the cookie carries it;
   * a 401 MFA_TOKEN_INVALID then means it expired or is missing: sign in again).
   */
  async completeMfa(proof: MfaProof, options: CompleteMfaOptions = {}): Promise<SessionResponse> {
    const mfaToken = options.fromCookie ? undefined : this.mfaToken;
    if (mfaToken === undefined && !options.fromCookie) throw new Error('completeMfa: no second-factor challenge is pending; call login() first');
    const answer = typeof proof === 'string' ? { code: proof } : proof.recoveryCode !== undefined ? { recoveryCode: proof.recoveryCode } : { code: proof.code };
    const response = await this.send(`${AUTH}/login/mfa`, { method: 'POST', body: JSON.stringify(mfaToken === undefined ? answer : { mfaToken, ...answer }) });
    // A login meanwhile has replaced the challenge: leave the new one alone.
    const current = mfaToken !== undefined && this.mfaToken === mfaToken;
    if (!response.ok) {
      const error = await AuthError.from(response);
      if (current && error.code === 'MFA_TOKEN_INVALID') this.mfaToken = undefined;
      throw error;
    }
    if (current) this.mfaToken = undefined;
    return this.keepSession(await this.expectJson<SessionResponse>(response));
  }

  /** Ends this session (the service clears the cookies); local state is dropped even when the call fails. */
  async logout(): Promise<void> {
    try {
      await this.expectSuccess(await this.send(`${AUTH}/logout`, { method: 'POST', body: '{}' }));
    } finally {
      this.csrfToken = undefined;
      this.mfaToken = undefined;
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

  /** The second factor of the signed-in user: whether TOTP is enabled, and how many recovery codes are left. */
  async mfaStatus(): Promise<MfaStatus> {
    return this.json<MfaStatus>('/api/v1/users/me/mfa');
  }

  /**
   * Starts (or restarts) enrolling TOTP; needs the password. Throws AuthError INVALID_CREDENTIALS (401) for a wrong
   * password, MFA_ALREADY_ENABLED (409). Nothing is enabled until `confirmTotp()`.
   */
  async enrolTotp(password: string): Promise<TotpEnrolment> {
    return this.json<TotpEnrolment>('/api/v1/users/me/mfa/totp', { method: 'POST', body: JSON.stringify({ password }) });
  }

  /**
   * Enables TOTP with a code of the app and resolves to the 10 recovery codes, shown this once. Every other session of
   * the user ends; this one becomes aal2. Throws AuthError MFA_CODE_INVALID (401), NOT_FOUND (404) with no pending enrolment.
   */
  async confirmTotp(code: string): Promise<RecoveryCodes> {
    return this.json<RecoveryCodes>('/api/v1/users/me/mfa/totp/confirm', { method: 'POST', body: JSON.stringify({ code }) });
  }

  /**
   * Disables the second factor with a TOTP or recovery code (an aal2 session: else AuthError MFA_REQUIRED, 403);
   * the recovery codes are deleted and every other session ends. Throws AuthError MFA_CODE_INVALID (401).
   */
  async disableTotp(code: string): Promise<void> {
    await this.expectSuccess(await this.request('/api/v1/users/me/mfa/totp', { method: 'DELETE', body: JSON.stringify({ code }) }));
  }

  /** Replaces the recovery codes (the old ones stop working), with a TOTP or recovery code; an aal2 session, as for disableTotp. */
  async regenerateRecoveryCodes(code: string): Promise<RecoveryCodes> {
    return this.json<RecoveryCodes>('/api/v1/users/me/mfa/recovery-codes', { method: 'POST', body: JSON.stringify({ code }) });
  }

  /**
   * Adds a passkey to the signed-in account; needs the password (AuthError INVALID_CREDENTIALS, 401) and, on an
   * account with a second factor, an aal2 session (AuthError MFA_REQUIRED, 403). POST /users/me/passkeys/options,
   * the browser's prompt (`navigator.credentials.create`), then POST /users/me/passkeys with its answer and `name`
   * (the service's default: `Passkey`). Resolves to the new passkey. Throws PasskeyError (`unsupported` before
   * sending anything, `cancelled`, `exists` when this authenticator already holds a passkey of the account) and
   * AuthError 400 PASSKEY_INVALID when the service refuses the credential.
   */
  async registerPasskey(password: string, name?: string): Promise<Passkey> {
    const webAuthn = this.webAuthn();
    const creationOptions = await this.json<object>(`${PASSKEYS}/options`, { method: 'POST', body: JSON.stringify({ password }) });
    const credential = await ceremony('create', () =>
      webAuthn.credentials.create({ publicKey: webAuthn.PublicKeyCredential.parseCreationOptionsFromJSON(creationOptions) }),
    );
    return this.json<Passkey>(PASSKEYS, { method: 'POST', body: JSON.stringify({ response: credentialJson(credential), name }) });
  }

  /** The passkeys of the signed-in user, oldest first. */
  async passkeys(): Promise<Passkey[]> {
    return this.json<Passkey[]>(PASSKEYS);
  }

  /** Renames a passkey (1 to 64 characters, trimmed) and resolves to it; AuthError NOT_FOUND (404) for a passkey not of this user. */
  async renamePasskey(id: string, name: string): Promise<Passkey> {
    return this.json<Passkey>(`${PASSKEYS}/${encodeURIComponent(id)}`, { method: 'PATCH', body: JSON.stringify({ name }) });
  }

  /**
   * Removes a passkey (from the service: the authenticator keeps its credential, which no longer signs in). AuthError
   * NOT_FOUND (404), LAST_SIGN_IN_METHOD (409) when the account would have no way in, MFA_REQUIRED (403) as for registering.
   */
  async removePasskey(id: string): Promise<void> {
    await this.expectSuccess(await this.request(`${PASSKEYS}/${encodeURIComponent(id)}`, { method: 'DELETE' }));
  }

  /** The OpenID Connect providers the service is configured with (none: an empty list), for a sign-in page. */
  async providers(): Promise<Provider[]> {
    return this.json<Provider[]>(`${AUTH}/providers`);
  }

  /**
   * The URL that starts a sign-in with `provider`: send the browser there (`location.assign(url)`, or a link),
   * not `fetch`, since the provider shows its own pages. The service comes back to `returnTo` (a path of
   * `APP_URL`, or a URL on an origin of `CORS_ORIGINS`; default `APP_URL`) with the session in cookies, or with
   * `?error=CODE` (`ACCOUNT_EXISTS`, `OIDC_FAILED`, `EMAIL_NOT_VERIFIED`), or to `APP_URL/mfa` when the account
   * has a second factor (then `completeMfa(code, { fromCookie: true })`). Nothing is sent by this method.
   */
  signInWithProviderUrl(provider: string, returnTo?: string): string {
    const query = returnTo === undefined ? '' : `?${new URLSearchParams({ returnTo }).toString()}`;
    return `${this.baseUrl}${AUTH}/oidc/${encodeURIComponent(provider)}${query}`;
  }

  /** The provider identities linked to the signed-in account. */
  async identities(): Promise<LinkedIdentity[]> {
    return this.json<LinkedIdentity[]>(IDENTITIES);
  }

  /**
   * Starts linking an identity of `provider` to the signed-in account and resolves to the URL to send the
   * browser to (`location.assign(url)`); the service then links it and redirects to `returnTo` (default
   * `APP_URL`), or there with `?error=IDENTITY_TAKEN` (another account holds it), `OIDC_FAILED` or
   * `REAUTHENTICATION_REQUIRED`. `password` is required when the account has one (AuthError VALIDATION_FAILED
   * 400 without, INVALID_CREDENTIALS 401 when wrong) and left out when it has none (then a sign-in within the
   * last 10 minutes is needed: else AuthError REAUTHENTICATION_REQUIRED, 403). An account with a second factor
   * needs an aal2 session (AuthError MFA_REQUIRED, 403); an unknown provider is NOT_FOUND (404).
   */
  async linkIdentity(provider: string, password?: string, returnTo?: string): Promise<string> {
    const body: { password?: string; returnTo?: string } = {};
    if (password !== undefined) body.password = password;
    if (returnTo !== undefined) body.returnTo = returnTo;
    const { url } = await this.json<{ url: string }>(`${IDENTITIES}/${encodeURIComponent(provider)}`, { method: 'POST', body: JSON.stringify(body) });
    return url;
  }

  /**
   * Unlinks an identity (it no longer signs in). AuthError NOT_FOUND (404) for one not of this user,
   * LAST_SIGN_IN_METHOD (409) when the account would have no way in left (no password, no passkey, no other
   * identity), MFA_REQUIRED (403) on an account with a second factor and an aal1 session.
   */
  async unlinkIdentity(id: string): Promise<void> {
    await this.expectSuccess(await this.request(`${IDENTITIES}/${encodeURIComponent(id)}`, { method: 'DELETE' }));
  }

  /**
   * Searches the users (an admin's call), newest account first, a page at a time: pass the answer's
   * `nextCursor` as `cursor` for the next page (users created meanwhile do not show up in later pages).
   * AuthError 403 FORBIDDEN without the admin role, 403 MFA_REQUIRED from an aal1 session when the service
   * has ADMIN_REQUIRE_MFA, 400 VALIDATION_FAILED for a bad limit or cursor. The same holds for every admin call.
   */
  async adminUsers(query: AdminUserQuery = {}): Promise<Page<AdminUser>> {
    return this.json<Page<AdminUser>>(`${ADMIN}/users${queryString({ q: query.q === '' ? undefined : query.q, limit: query.limit, cursor: query.cursor })}`);
  }

  /** One user, with its live sessions, second factor, passkey count and identities; AuthError NOT_FOUND (404) for no such user. */
  async adminUser(id: string): Promise<AdminUserDetails> {
    return this.json<AdminUserDetails>(`${ADMIN}/users/${encodeURIComponent(id)}`);
  }

  /**
   * Replaces the roles and/or disables or re-enables an account, and resolves to the user as it now is. A change
   * ends every session of the user (disabling also voids its mailed links); the same values again change nothing.
   * AuthError 409 LAST_ADMIN when no enabled admin would be left, 404 NOT_FOUND, 400 VALIDATION_FAILED.
   */
  async updateAdminUser(id: string, update: AdminUserUpdate): Promise<AdminUserDetails> {
    return this.json<AdminUserDetails>(`${ADMIN}/users/${encodeURIComponent(id)}`, { method: 'PATCH', body: JSON.stringify(update) });
  }

  /**
   * Removes a user's second factor and recovery codes (they lost both), ends every session of the user and mails
   * them a notice. AuthError NOT_FOUND (404) when the user has no second factor, or does not exist.
   */
  async resetUserMfa(id: string): Promise<void> {
    await this.expectSuccess(await this.request(`${ADMIN}/users/${encodeURIComponent(id)}/mfa`, { method: 'DELETE' }));
  }

  /** Ends every session of a user (at once, on every instance); AuthError NOT_FOUND (404) for no such user. */
  async endUserSessions(id: string): Promise<void> {
    await this.expectSuccess(await this.request(`${ADMIN}/users/${encodeURIComponent(id)}/sessions`, { method: 'DELETE' }));
  }

  /** Deletes an account and everything of it (the audit log keeps its entries); AuthError NOT_FOUND (404), 409 LAST_ADMIN. */
  async deleteUser(id: string): Promise<void> {
    await this.expectSuccess(await this.request(`${ADMIN}/users/${encodeURIComponent(id)}`, { method: 'DELETE' }));
  }

  /** The audit log, newest first, a page at a time (`nextCursor`), of every admin action or those of an `actor` or about a `target`. */
  async auditLog(query: AuditQuery = {}): Promise<Page<AuditEntry>> {
    return this.json<Page<AuditEntry>>(`${ADMIN}/audit${queryString({ actor: query.actor, target: query.target, limit: query.limit, cursor: query.cursor })}`);
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

  /** The answer of a sign-in (password or passkey): the session, kept, or the second-factor challenge, whose token is kept. */
  private async startLogin(response: Response): Promise<LoginResult> {
    const answer = await this.expectJson<SessionResponse | MfaChallengeResponse>(response);
    if (isMfaChallenge(answer)) {
      this.mfaToken = answer.mfaToken;
      return { mfaRequired: true, methods: answer.methods, expiresIn: answer.expiresIn };
    }
    return this.keepSession(answer);
  }

  /** The injected or global WebAuthn APIs; PasskeyError `unsupported` when the browser lacks them. */
  private webAuthn(): Required<WebAuthnApi> {
    const scope = globalThis as { navigator?: { credentials?: CredentialsContainerLike }; PublicKeyCredential?: Partial<PublicKeyCredentialJsonMethods> };
    const credentials = this.webAuthnApi.credentials ?? scope.navigator?.credentials;
    const statics: Partial<PublicKeyCredentialJsonMethods> | undefined = this.webAuthnApi.PublicKeyCredential ?? scope.PublicKeyCredential;
    if (credentials === undefined || statics === undefined) {
      throw new PasskeyError(
        'unsupported',
        `Passkeys need WebAuthn, which this page lacks: it needs ${WEBAUTHN_JSON_BROWSERS} (for the Level 3 JSON methods), in a secure context (https, or http://localhost)`,
      );
    }
    if (typeof statics.parseCreationOptionsFromJSON !== 'function' || typeof statics.parseRequestOptionsFromJSON !== 'function') {
      throw new PasskeyError(
        'unsupported',
        `Passkeys need the WebAuthn Level 3 JSON methods (PublicKeyCredential.parseCreationOptionsFromJSON, parseRequestOptionsFromJSON, toJSON), which this browser lacks: use ${WEBAUTHN_JSON_BROWSERS}`,
      );
    }
    return { credentials, PublicKeyCredential: statics as PublicKeyCredentialJsonMethods };
  }

  /** Keeps the CSRF token of a session the service started (login, completeMfa). */
  private keepSession(session: SessionResponse): SessionResponse {
    this.csrfToken = session.csrfToken;
    this.generation++;
    return session;
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

/** Runs a WebAuthn call of the browser, turning its DOMExceptions into PasskeyErrors (an abort of `signal` stays as it is). */
async function ceremony(kind: 'create' | 'get', call: () => Promise<unknown>, signal?: AbortSignal): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    const message = (error as { message?: unknown } | null)?.message;
    if (signal?.aborted || name === 'AbortError') throw error;
    if (name === 'NotAllowedError') throw new PasskeyError('cancelled', 'The passkey prompt was closed, declined or timed out', error);
    if (kind === 'create' && name === 'InvalidStateError') throw new PasskeyError('exists', 'This authenticator already holds a passkey of this account', error);
    throw new PasskeyError(
      'failed',
      `The browser refused the passkey ${kind === 'create' ? 'registration' : 'sign-in'}: ${String(name)}: ${String(message)}`,
      error,
    );
  }
}

/** The JSON of a credential the browser made (`toJSON()` of WebAuthn Level 3). */
function credentialJson(credential: unknown): unknown {
  const toJSON = (credential as { toJSON?: unknown } | null)?.toJSON;
  if (typeof toJSON !== 'function') {
    throw new PasskeyError(
      'unsupported',
      `The browser answered no credential with toJSON() (WebAuthn Level 3: ${WEBAUTHN_JSON_BROWSERS}; an extension that replaced navigator.credentials may lack it)`,
    );
  }
  return (toJSON as () => unknown).call(credential);
}

/** `?name=value&...` of the parameters given (undefined ones left out), or nothing when none is. */
function queryString(parameters: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as ApiErrorBody).code === 'string';
}

function isMfaChallenge(body: SessionResponse | MfaChallengeResponse): body is MfaChallengeResponse {
  return (body as MfaChallengeResponse).mfaRequired === true;
}

/** The seconds of a Retry-After header (delta-seconds, or an HTTP date from now); undefined without one. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
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
