/**
 * GET /account (outside production): one page to try every way in after
 * `npm start`, and what the browser tests drive. Served at /mfa too, where a
 * sign-in with a provider lands when the account has a second factor: there it
 * shows only the form for the code (the MFA token is in an HttpOnly cookie).
 * It talks to the API in cookie transport, keeping the CSRF token of the
 * login or refresh answer in memory (else reading it from the readable CSRF
 * cookie). Its script is a file (/account.js, the CSP allows only 'self'); it
 * builds every element with textContent, never HTML from the server.
 * For a user whose roles include admin it also shows the admin view: search
 * the users, open one, disable or enable it, reset its second factor, end its
 * sessions, and read the audit log (the /api/v1/admin routes).
 */
export const ACCOUNT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your account</title>
<link rel="icon" href="data:,">
<style>
  [hidden] { display: none !important; }
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
  main { width: min(40rem, 94vw); margin: 2rem auto; }
  h1 { margin: 0 0 .5rem; }
  section { background: #fff; padding: 1rem 1.5rem 1.25rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; margin: 0 0 1rem; }
  h2 { font-size: 1.15rem; margin: .25rem 0 .75rem; }
  form { margin: .75rem 0; }
  label { display: block; font-weight: 500; margin-top: .5rem; }
  input { display: block; width: 100%; box-sizing: border-box; margin: .2rem 0 .4rem; padding: .45rem; font: inherit; border: 1px solid #b8bfcc; border-radius: 4px; }
  button, a.button { display: inline-block; margin: .4rem .4rem 0 0; padding: .45rem .9rem; font: inherit; border: 1px solid #2d5bd7; border-radius: 4px; background: #2d5bd7; color: #fff; cursor: pointer; text-decoration: none; }
  button.secondary { background: #fff; color: #2d5bd7; }
  button.danger { background: #fff; color: #b3261e; border-color: #b3261e; }
  button:disabled { opacity: .6; cursor: progress; }
  #status { min-height: 1.5em; margin: 0 0 1rem; padding: .5rem .75rem; border-radius: 4px; background: #e8eefc; }
  #status:empty { visibility: hidden; }
  #status.error { background: #fde8e7; color: #8c1d18; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
  dt { color: #5a6272; }
  dd { margin: 0; }
  ul.items { list-style: none; padding: 0; margin: 0; }
  ul.items > li { border-top: 1px solid #e3e6ec; padding: .6rem 0; }
  ul.items > li:first-child { border-top: 0; }
  .meta { display: block; color: #5a6272; font-size: .9em; }
  .tag { display: inline-block; margin-left: .4rem; padding: 0 .4rem; border-radius: 3px; background: #e3e6ec; font-size: .85em; }
  code, ol.codes { font-family: ui-monospace, monospace; }
  ol.codes { columns: 2; }
  #totp-qr { display: block; width: 200px; height: 200px; margin: .5rem 0; }
  .hint { color: #5a6272; }
  h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
  h4 { font-size: 1rem; margin: 1rem 0 .25rem; }
  .panel { border: 1px solid #d5dae3; border-radius: 6px; padding: .25rem 1rem 1rem; margin: 1rem 0; background: #fafbfc; }
  .tag.warn { background: #fde8e7; color: #8c1d18; }
</style>
</head>
<body>
<main>
<h1>Your account</h1>
<p role="status" id="status"></p>

<div id="signed-out" hidden>
<section aria-labelledby="sign-in-heading">
<h2 id="sign-in-heading">Sign in</h2>
<form id="login-form" aria-label="Sign in with a password">
<label for="login-email">Email</label>
<input id="login-email" name="email" type="email" autocomplete="username" required>
<label for="login-password">Password</label>
<input id="login-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<form id="mfa-form" aria-label="Second factor" hidden>
<label for="mfa-code">Code from your authenticator app, or a recovery code</label>
<input id="mfa-code" name="code" autocomplete="one-time-code" required>
<button type="submit">Verify</button>
<button type="button" id="mfa-cancel" class="secondary">Cancel</button>
</form>
<button type="button" id="passkey-login" class="secondary">Sign in with a passkey</button>
<div id="providers"></div>
</section>
<section id="register-section" aria-labelledby="register-heading">
<h2 id="register-heading">Create an account</h2>
<form id="register-form" aria-label="Create an account">
<label for="register-email">Email</label>
<input id="register-email" name="email" type="email" autocomplete="username" required>
<label for="register-name">Name (optional)</label>
<input id="register-name" name="name" autocomplete="name">
<label for="register-password">Password</label>
<input id="register-password" name="password" type="password" autocomplete="new-password" minlength="8" maxlength="256" required>
<button type="submit">Create the account</button>
</form>
</section>
</div>

<div id="signed-in" hidden>
<section aria-labelledby="profile-heading">
<h2 id="profile-heading">Profile</h2>
<dl>
<dt>Email</dt><dd id="profile-email"></dd>
<dt>Name</dt><dd id="profile-name"></dd>
<dt>Email verified</dt><dd id="profile-verified"></dd>
<dt>Second factor</dt><dd id="profile-mfa"></dd>
<dt>Roles</dt><dd id="profile-roles"></dd>
</dl>
<div id="no-password" hidden>
<p class="hint">This account has no password: it signs in with a provider (or a passkey), so the password fields are hidden. To set a password, use &ldquo;forgot password&rdquo;: the link it mails sets one.</p>
<button type="button" id="set-password" class="secondary">Mail me a link to set a password</button>
</div>
<button type="button" id="sign-out">Sign out</button>
</section>

<section aria-labelledby="mfa-heading">
<h2 id="mfa-heading">Second factor</h2>
<p id="mfa-state"></p>
<form id="totp-enrol-form" aria-label="Set up an authenticator app" hidden>
<div class="password-field">
<label for="totp-password">Password</label>
<input id="totp-password" type="password" autocomplete="current-password" required>
</div>
<button type="submit">Set up an authenticator app</button>
</form>
<div id="totp-setup" hidden>
<p>Scan this QR code with your authenticator app, or type in the secret.</p>
<img id="totp-qr" alt="QR code of the authenticator app secret">
<p>Secret: <code id="totp-secret"></code></p>
<form id="totp-confirm-form" aria-label="Confirm the authenticator app">
<label for="totp-code">Code shown by the app</label>
<input id="totp-code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Turn on the second factor</button>
<button type="button" id="totp-cancel" class="secondary">Cancel</button>
</form>
</div>
<div id="recovery-codes" hidden>
<p><strong>Recovery codes.</strong> Each one signs you in once if you lose the app. Keep them somewhere safe: they are not shown again.</p>
<ol id="recovery-code-list" class="codes" aria-label="Recovery codes"></ol>
<button type="button" id="recovery-codes-done">I have saved them</button>
</div>
<form id="totp-disable-form" aria-label="Turn off the second factor" hidden>
<label for="totp-disable-code">Code from the app, or a recovery code</label>
<input id="totp-disable-code" autocomplete="one-time-code" required>
<button type="submit" class="danger">Turn off the second factor</button>
</form>
</section>

<section aria-labelledby="passkeys-heading">
<h2 id="passkeys-heading">Passkeys</h2>
<ul id="passkey-list" class="items" aria-label="Passkeys"></ul>
<p id="no-passkeys" class="hint" hidden>No passkey yet.</p>
<form id="passkey-add-form" aria-label="Add a passkey">
<label for="passkey-name">Name (optional)</label>
<input id="passkey-name" maxlength="64" placeholder="Passkey" autocomplete="off">
<div class="password-field">
<label for="passkey-password">Password</label>
<input id="passkey-password" type="password" autocomplete="current-password" required>
</div>
<button type="submit">Add a passkey</button>
</form>
</section>

<section id="identities" aria-labelledby="identities-heading">
<h2 id="identities-heading">Linked identities</h2>
<ul id="identity-list" class="items" aria-label="Linked identities"></ul>
<p id="no-identities" class="hint" hidden>No identity of a provider is linked.</p>
<form id="identity-link-form" aria-label="Link a provider" hidden>
<div class="password-field">
<label for="identity-password">Password</label>
<input id="identity-password" type="password" autocomplete="current-password" required>
</div>
<div id="link-buttons"></div>
</form>
</section>

<section aria-labelledby="sessions-heading">
<h2 id="sessions-heading">Sessions</h2>
<ul id="session-list" class="items" aria-label="Sessions"></ul>
</section>

<!-- Shown when the user's roles include admin: the /api/v1/admin routes. -->
<section id="admin-view" aria-labelledby="admin-heading" hidden>
<h2 id="admin-heading">Administration</h2>
<p id="admin-notice" class="hint" hidden></p>
<div id="admin-tools">
<h3 id="admin-users-heading">Users</h3>
<form id="admin-search-form" role="search" aria-label="Search users">
<label for="admin-q">Email (its beginning) or part of a name; empty for every user, newest first</label>
<input id="admin-q" maxlength="254" autocomplete="off">
<button type="submit">Search</button>
</form>
<ul id="admin-user-list" class="items" aria-label="Users found"></ul>
<p id="admin-no-users" class="hint" hidden>No user matches.</p>
<button type="button" id="admin-users-more" class="secondary" hidden>More users</button>

<div id="admin-user" class="panel" role="region" aria-labelledby="admin-user-heading" hidden>
<h3 id="admin-user-heading"></h3>
<dl>
<dt>Email</dt><dd id="admin-user-email"></dd>
<dt>Name</dt><dd id="admin-user-name"></dd>
<dt>Roles</dt><dd id="admin-user-roles"></dd>
<dt>Account</dt><dd id="admin-user-state"></dd>
<dt>Created</dt><dd id="admin-user-created"></dd>
<dt>Last sign-in</dt><dd id="admin-user-last-login"></dd>
<dt>Active sessions</dt><dd id="admin-user-session-count"></dd>
<dt>Password</dt><dd id="admin-user-password"></dd>
<dt>Second factor</dt><dd id="admin-user-mfa"></dd>
<dt>Passkeys</dt><dd id="admin-user-passkeys"></dd>
<dt>Identities</dt><dd id="admin-user-identities"></dd>
</dl>
<button type="button" id="admin-disable" class="danger">Disable the account</button>
<button type="button" id="admin-enable">Enable the account again</button>
<button type="button" id="admin-reset-mfa" class="danger">Reset the second factor</button>
<button type="button" id="admin-end-sessions" class="danger">End all sessions</button>
<button type="button" id="admin-user-audit" class="secondary">Audit entries about this user</button>
<button type="button" id="admin-user-close" class="secondary">Close</button>
<h4>Their sessions</h4>
<ul id="admin-session-list" class="items" aria-label="Sessions of the user"></ul>
<p id="admin-no-sessions" class="hint" hidden>No live session.</p>
</div>

<h3 id="admin-audit-heading">Audit log</h3>
<p id="admin-audit-scope" class="hint"></p>
<button type="button" id="admin-audit-reload" class="secondary">Reload the audit log</button>
<button type="button" id="admin-audit-all" class="secondary" hidden>Show every entry</button>
<ul id="admin-audit-list" class="items" aria-label="Audit log"></ul>
<p id="admin-no-audit" class="hint" hidden>No entry.</p>
<button type="button" id="admin-audit-more" class="secondary" hidden>More entries</button>
</div>
</section>
</div>
</main>
<script src="/account.js"></script>
</body>
</html>
`;

/** The page's script: plain browser JavaScript (no template literals or backslashes, so it survives this one verbatim). */
export const ACCOUNT_SCRIPT = `'use strict';
(() => {
  const API = '/api/v1';
  const UNSAFE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];
  const CSRF_COOKIES = ['__Host-csrf_token', 'csrf_token'];
  /** The codes a provider's round trip brings back in ?error= (and the expired second-factor step of /mfa). */
  const REDIRECT_ERRORS = {
    ACCOUNT_EXISTS:
      'An account with this address exists already. It is never linked to a provider automatically: sign in to it (password or passkey), then link the provider under Linked identities.',
    IDENTITY_TAKEN: 'That identity of the provider is linked to another account already: unlink it there first.',
    OIDC_FAILED: 'The provider did not sign you in: it refused, failed or could not be reached. Try again.',
    EMAIL_NOT_VERIFIED: 'This address is not verified, and this service signs in verified addresses only: confirm it with the link mailed to it first.',
    ACCOUNT_DISABLED: 'This account is disabled: an administrator has to enable it again before it can sign in.',
    REAUTHENTICATION_REQUIRED: 'The account was secured (password changed or reset, or signed out everywhere) while the provider was being linked: sign in again and link it once more.',
    MFA_TOKEN_INVALID: 'The second-factor step expired or was used up: sign in again.',
  };
  /** Plainer words for some refusals of the API. */
  const API_ERRORS = {
    LAST_SIGN_IN_METHOD: 'This is the last way into the account: add a passkey, link another provider or set a password (forgot password) before removing it.',
    PASSWORD_NOT_SET: 'This account has no password: set one through forgot password first.',
    REAUTHENTICATION_REQUIRED: 'Sign out and sign in again: an account without a password needs a sign-in within the last 10 minutes for this.',
  };
  /** /mfa: where a provider sign-in lands when the account has a second factor; only the code is asked. */
  const MFA_PAGE = location.pathname === '/mfa';
  /** 401s after which the signed-in view has no session behind it. */
  const SESSION_OVER = ['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'SESSION_REVOKED', 'REFRESH_TOKEN_REUSED'];
  const $ = (id) => document.getElementById(id);
  const status = $('status');

  let csrfToken = null;
  let mfaToken = null;
  let hasPassword = true;
  let accountEmail = null;
  /** GET /auth/providers: [{ name, label }]. */
  let providers = [];
  /** Bumped by every sign-in and refresh: a 401 to a request sent before one is retried, not refreshed again. */
  let generation = 0;
  let refreshing = null;

  class ApiError extends Error {
    constructor(statusCode, body) {
      super((body && body.message) || 'The service answered ' + statusCode);
      this.status = statusCode;
      this.code = body && body.code;
      this.details = (body && body.details) || [];
    }
  }

  function csrfCookie() {
    for (const cookie of document.cookie ? document.cookie.split('; ') : []) {
      const at = cookie.indexOf('=');
      if (CSRF_COOKIES.includes(cookie.slice(0, at))) return decodeURIComponent(cookie.slice(at + 1));
    }
    return null;
  }

  async function send(method, path, body) {
    const headers = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const csrf = csrfToken || csrfCookie();
    if (UNSAFE_METHODS.includes(method) && csrf) headers['x-csrf-token'] = csrf;
    const response = await fetch(API + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  /** One POST /auth/refresh for every request waiting on it; true when the session goes on. */
  function refresh() {
    refreshing = refreshing || send('POST', '/auth/refresh', {}).then(
      (session) => {
        csrfToken = session.csrfToken;
        generation++;
        return true;
      },
      () => {
        csrfToken = null;
        return false;
      },
    ).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  /**
   * A call that needs the session: on 401 TOKEN_EXPIRED (or TOKEN_MISSING, when the browser has
   * dropped the access cookie at its Max-Age but a session may remain) it refreshes once and retries.
   */
  async function api(method, path, body) {
    const sentWith = generation;
    try {
      return await send(method, path, body);
    } catch (error) {
      const expired = error.code === 'TOKEN_EXPIRED' || (error.code === 'TOKEN_MISSING' && (csrfToken || csrfCookie()));
      if (!(error instanceof ApiError) || !expired) throw error;
      if (generation === sentWith && !(await refresh())) throw error;
      return send(method, path, body);
    }
  }

  function say(text) {
    status.className = '';
    status.textContent = text;
  }

  function fail(error) {
    status.className = 'error';
    if (error instanceof ApiError && SESSION_OVER.includes(error.code) && $('signed-out').hidden) {
      showSignedOut();
      status.textContent = 'Your session has ended: sign in again. [' + error.code + ']';
    } else if (error instanceof ApiError) {
      const details = error.details.map((detail) => (detail.field ? detail.field + ': ' : '') + (detail.messages || []).join(', '));
      const text = details.length > 0 ? details.join('; ') : API_ERRORS[error.code] || error.message;
      status.textContent = text + (error.code ? ' [' + error.code + ']' : '');
    } else if (error && error.name === 'NotAllowedError') {
      status.textContent = 'The passkey request was cancelled or timed out.';
    } else if (error && error.name === 'InvalidStateError') {
      status.textContent = 'This authenticator already holds a passkey for this account.';
    } else if (error && error.name === 'SecurityError') {
      status.textContent =
        'The browser refused passkeys on ' + location.host + ': passkeys work only on the domain of WEBAUTHN_RP_ID, never on an IP address (on a development setup, open http://localhost:' + (location.port || '80') + '/account).';
    } else if (error instanceof TypeError && /fetch/i.test(error.message)) {
      status.textContent = 'The service could not be reached.';
    } else {
      status.textContent = String((error && error.message) || error);
    }
  }

  /** Runs a form's or button's action with its buttons disabled, showing any failure in the status line. */
  function handle(element, event, run) {
    element.addEventListener(event, async (submitted) => {
      submitted.preventDefault();
      const buttons = element.tagName === 'FORM' ? [...element.querySelectorAll('button')] : [element];
      buttons.forEach((button) => (button.disabled = true));
      try {
        await run(submitted);
      } catch (error) {
        fail(error);
      } finally {
        buttons.forEach((button) => (button.disabled = false));
      }
    });
  }
  const onSubmit = (id, run) => handle($(id), 'submit', run);
  const onClick = (id, run) => handle($(id), 'click', run);

  function el(tag, properties, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(properties || {})) {
      if (name.includes('-')) node.setAttribute(name, value);
      else node[name] = value;
    }
    node.append(...children);
    return node;
  }

  const when = (iso) => (iso ? new Date(iso).toLocaleString() : 'never');
  const value = (id) => $(id).value.trim();
  const passwordBody = (id) => (hasPassword ? { password: $(id).value } : {});

  function webAuthn() {
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
      throw new Error('This browser cannot use passkeys here (it needs the WebAuthn JSON methods of a recent Chrome, Edge, Firefox or Safari).');
    }
  }

  // --- signed out ---------------------------------------------------------

  function showSignedOut() {
    mfaToken = null;
    endEnrolment();
    $('recovery-code-list').replaceChildren();
    $('recovery-codes').hidden = true;
    resetAdmin();
    $('signed-in').hidden = true;
    $('signed-out').hidden = false;
    $('login-form').hidden = false;
    $('mfa-form').hidden = true;
  }

  /** After login, the MFA step or a passkey sign-in: a session, or the second-factor challenge. */
  async function signedIn(result) {
    if (MFA_PAGE && !result.mfaRequired) return location.assign('/account');
    if (result.mfaRequired) {
      mfaToken = result.mfaToken;
      $('login-form').hidden = true;
      $('mfa-form').hidden = false;
      $('mfa-code').focus();
      say('Enter the code from your authenticator app, or a recovery code.');
      return;
    }
    mfaToken = null;
    csrfToken = result.csrfToken;
    generation++;
    for (const form of ['login-form', 'mfa-form', 'register-form']) $(form).reset();
    say('Signed in as ' + result.user.email + '.');
    await loadAccount();
  }

  onSubmit('login-form', async () => {
    await signedIn(await send('POST', '/auth/login', { email: value('login-email'), password: $('login-password').value }));
  });

  onSubmit('mfa-form', async () => {
    const code = value('mfa-code');
    const body = /^[0-9]{6}$/.test(code) ? { code } : { recoveryCode: code };
    // Without one (on /mfa), the service reads the MFA token from its HttpOnly cookie.
    if (mfaToken) body.mfaToken = mfaToken;
    try {
      await signedIn(await send('POST', '/auth/login/mfa', body));
    } catch (error) {
      // On /mfa, a cookie that expired (401) or was never set (400, no MFA token at all): start again.
      const noChallenge = error.code === 'MFA_TOKEN_INVALID' || (error.code === 'VALIDATION_FAILED' && error.details.some((detail) => detail.field === 'mfaToken'));
      if (MFA_PAGE && noChallenge) return location.assign('/account?error=MFA_TOKEN_INVALID');
      if (error.code === 'MFA_TOKEN_INVALID') showSignedOut();
      throw error;
    }
  });

  $('mfa-cancel').addEventListener('click', () => {
    if (MFA_PAGE) return location.assign('/account');
    showSignedOut();
    say('');
  });

  onClick('passkey-login', async () => {
    webAuthn();
    const { challengeId, options } = await send('POST', '/auth/passkey/options', {});
    const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
    await signedIn(await send('POST', '/auth/passkey/login', { challengeId, response: credential.toJSON() }));
  });

  onSubmit('register-form', async () => {
    const email = value('register-email');
    const password = $('register-password').value;
    const name = value('register-name');
    await send('POST', '/auth/register', name ? { email, password, name } : { email, password });
    try {
      await signedIn(await send('POST', '/auth/login', { email, password }));
    } catch (error) {
      if (error.code !== 'EMAIL_NOT_VERIFIED') throw error;
      $('register-form').reset();
      say('Account created. Confirm your address with the link mailed to you, then sign in.');
    }
  });

  /** A sign-in link and a link button per OpenID Connect provider (none configured: neither; a service without the route: 404). */
  async function loadProviders() {
    try {
      providers = await send('GET', '/auth/providers');
    } catch (error) {
      if (error.status !== 404) throw error;
    }
    $('providers').replaceChildren(
      ...providers.map((provider) =>
        el('a', { className: 'button', href: API + '/auth/oidc/' + encodeURIComponent(provider.name) + '?returnTo=/account' }, 'Sign in with ' + provider.label),
      ),
    );
    $('link-buttons').replaceChildren(
      ...providers.map((provider) => el('button', { type: 'submit', className: 'secondary', 'data-provider': provider.name }, 'Link ' + provider.label)),
    );
    $('identity-link-form').hidden = providers.length === 0;
  }
  const providersLoaded = MFA_PAGE ? Promise.resolve() : loadProviders();

  const labelOf = (name) => (providers.find((provider) => provider.name === name) || { label: name }).label;

  // --- signed in ----------------------------------------------------------

  async function loadAccount() {
    let user;
    try {
      user = await api('GET', '/users/me');
    } catch (error) {
      if (error.status !== 401) throw error;
      return showSignedOut();
    }
    renderProfile(user);
    $('signed-out').hidden = true;
    $('signed-in').hidden = false;
    await Promise.all([loadMfa(), loadPasskeys(), loadIdentities(), loadSessions(), loadAdmin(user)].map((loading) => loading.catch(fail)));
  }

  function renderProfile(user) {
    hasPassword = user.hasPassword !== false;
    accountEmail = user.email;
    $('no-password').hidden = hasPassword;
    $('profile-email').textContent = user.email + (user.pendingEmail ? ' (changing to ' + user.pendingEmail + ')' : '');
    $('profile-name').textContent = user.name || '(none)';
    $('profile-verified').textContent = user.emailVerified ? 'yes' : 'no';
    $('profile-mfa').textContent = user.mfaEnabled ? 'on' : 'off';
    $('profile-roles').textContent = (user.roles || []).join(', ');
    for (const field of document.querySelectorAll('.password-field')) {
      field.hidden = !hasPassword;
      field.querySelector('input').required = hasPassword;
    }
  }

  onClick('set-password', async () => {
    await send('POST', '/auth/password/forgot', { email: accountEmail });
    say('A link to set a password is on its way to ' + accountEmail + '.');
  });

  onClick('sign-out', async () => {
    try {
      await send('POST', '/auth/logout', {});
    } finally {
      csrfToken = null;
    }
    showSignedOut();
    say('Signed out.');
  });

  async function loadMfa() {
    const mfa = await api('GET', '/users/me/mfa');
    const enabled = mfa.totp.enabled;
    $('mfa-state').textContent = enabled
      ? 'On: an authenticator app since ' + when(mfa.totp.createdAt) + '; ' + mfa.recoveryCodesRemaining + ' recovery codes left.'
      : 'Off. Add an authenticator app to ask for a code at every sign-in.';
    $('totp-enrol-form').hidden = enabled || !$('totp-setup').hidden;
    $('totp-disable-form').hidden = !enabled;
  }

  onSubmit('totp-enrol-form', async () => {
    const enrolment = await api('POST', '/users/me/mfa/totp', passwordBody('totp-password'));
    $('totp-enrol-form').reset();
    $('totp-qr').src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(enrolment.qrCodeSvg);
    $('totp-secret').textContent = enrolment.secret;
    $('totp-enrol-form').hidden = true;
    $('totp-setup').hidden = false;
    $('totp-code').focus();
    say('Scan the QR code, then enter the code the app shows.');
  });

  function endEnrolment() {
    $('totp-setup').hidden = true;
    $('totp-secret').textContent = '';
    $('totp-qr').removeAttribute('src');
    $('totp-confirm-form').reset();
  }

  $('totp-cancel').addEventListener('click', () => {
    endEnrolment();
    $('totp-enrol-form').hidden = false;
  });

  onSubmit('totp-confirm-form', async () => {
    const { recoveryCodes } = await api('POST', '/users/me/mfa/totp/confirm', { code: value('totp-code') });
    endEnrolment();
    $('recovery-code-list').replaceChildren(...recoveryCodes.map((code) => el('li', {}, code)));
    $('recovery-codes').hidden = false;
    say('The second factor is on; your other sessions were signed out.');
    await loadAccount();
  });

  $('recovery-codes-done').addEventListener('click', () => {
    $('recovery-code-list').replaceChildren();
    $('recovery-codes').hidden = true;
  });

  onSubmit('totp-disable-form', async () => {
    await api('DELETE', '/users/me/mfa/totp', { code: value('totp-disable-code') });
    $('totp-disable-form').reset();
    say('The second factor is off; your other sessions were signed out.');
    await loadAccount();
  });

  async function loadPasskeys() {
    const passkeys = await api('GET', '/users/me/passkeys');
    $('passkey-list').replaceChildren(...passkeys.map(passkeyItem));
    $('no-passkeys').hidden = passkeys.length > 0;
  }

  function passkeyItem(passkey) {
    const input = el('input', { value: passkey.name, maxLength: 64, required: true, 'aria-label': 'New name for ' + passkey.name });
    const rename = el('form', { hidden: true, 'aria-label': 'Rename ' + passkey.name }, input, el('button', { type: 'submit' }, 'Save'));
    const renameButton = el('button', { type: 'button', className: 'secondary', 'aria-label': 'Rename ' + passkey.name }, 'Rename');
    const removeButton = el('button', { type: 'button', className: 'danger', 'aria-label': 'Remove ' + passkey.name }, 'Remove');
    renameButton.addEventListener('click', () => {
      rename.hidden = !rename.hidden;
      if (!rename.hidden) input.focus();
    });
    handle(rename, 'submit', async () => {
      const renamed = await api('PATCH', '/users/me/passkeys/' + passkey.id, { name: input.value.trim() });
      say('Renamed to ' + renamed.name + '.');
      await loadPasskeys();
    });
    handle(removeButton, 'click', async () => {
      await api('DELETE', '/users/me/passkeys/' + passkey.id);
      say('Removed ' + passkey.name + '.');
      await loadPasskeys();
    });
    return el(
      'li',
      {},
      el('strong', {}, passkey.name),
      passkey.backedUp ? el('span', { className: 'tag' }, 'synced') : '',
      el('span', { className: 'meta' }, 'Added ' + when(passkey.createdAt) + ', last used ' + when(passkey.lastUsedAt)),
      renameButton,
      removeButton,
      rename,
    );
  }

  onSubmit('passkey-add-form', async () => {
    webAuthn();
    const options = await api('POST', '/users/me/passkeys/options', passwordBody('passkey-password'));
    $('passkey-password').value = '';
    const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
    const name = value('passkey-name');
    const added = await api('POST', '/users/me/passkeys', name ? { response: credential.toJSON(), name } : { response: credential.toJSON() });
    $('passkey-add-form').reset();
    say('Added the passkey ' + added.name + '.');
    await loadPasskeys();
  });

  async function loadIdentities() {
    await providersLoaded.catch(() => undefined);
    const identities = await api('GET', '/users/me/identities');
    $('identity-list').replaceChildren(...identities.map(identityItem));
    $('no-identities').hidden = identities.length > 0;
    // A deployment without providers, and an account with nothing linked: nothing to show.
    $('identities').hidden = identities.length === 0 && providers.length === 0;
  }

  function identityItem(identity) {
    const label = labelOf(identity.provider);
    const name = label + (identity.email ? ' (' + identity.email + ')' : '');
    const unlink = el('button', { type: 'button', className: 'danger', 'aria-label': 'Unlink ' + name }, 'Unlink');
    handle(unlink, 'click', async () => {
      await api('DELETE', '/users/me/identities/' + encodeURIComponent(identity.id));
      say('Unlinked ' + name + '.');
      await loadIdentities();
    });
    return el(
      'li',
      { 'data-identity-id': identity.id },
      el('strong', {}, label),
      el('span', { className: 'meta' }, (identity.email || 'no address given') + ', linked ' + when(identity.linkedAt)),
      unlink,
    );
  }

  /** Linking goes through the provider's own pages: the API answers the URL to open, and the callback comes back to /account. */
  onSubmit('identity-link-form', async (submitted) => {
    const provider = submitted.submitter && submitted.submitter.getAttribute('data-provider');
    if (!provider) return;
    const body = Object.assign({ returnTo: '/account' }, passwordBody('identity-password'));
    const { url } = await api('POST', '/users/me/identities/' + encodeURIComponent(provider), body);
    $('identity-link-form').reset();
    say('Going to ' + labelOf(provider) + ' to link it...');
    location.assign(url);
  });

  async function loadSessions() {
    const sessions = await api('GET', '/auth/sessions');
    $('session-list').replaceChildren(...sessions.map(sessionItem));
  }

  function sessionItem(session) {
    const item = el(
      'li',
      { 'data-session-id': session.id },
      el('strong', {}, session.current ? 'This session' : 'Another session'),
      el('span', { className: 'tag' }, session.aal),
      el('span', { className: 'tag' }, 'amr: ' + session.amr.join(', ')),
      el('span', { className: 'meta' }, 'Started ' + when(session.createdAt) + ', last used ' + when(session.lastUsedAt) + (session.ip ? ', from ' + session.ip : '')),
      el('span', { className: 'meta' }, session.userAgent || 'unknown client'),
    );
    if (!session.current) {
      const end = el('button', { type: 'button', className: 'danger', 'aria-label': 'End the session started ' + when(session.createdAt) }, 'End');
      handle(end, 'click', async () => {
        await api('DELETE', '/auth/sessions/' + session.id);
        say('Session ended.');
        await loadSessions();
      });
      item.append(end);
    }
    return item;
  }

  // --- administration (a user whose roles include admin) -------------------

  /** The admin routes' refusals, in the words of this view (the code is shown beside them). */
  const ADMIN_ERRORS = {
    MFA_REQUIRED:
      'Administration needs a session signed in with a second factor (ADMIN_REQUIRE_MFA is on): set up an authenticator app or a passkey above, sign out, and sign in again with it.',
    LAST_ADMIN: 'This is the last enabled admin: the service would be left without one. Make another account admin first.',
    FORBIDDEN: 'This session does not carry the admin role: sign out and sign in again.',
  };
  const AUDIT_ACTIONS = {
    roles_changed: 'Roles changed',
    user_disabled: 'Account disabled',
    user_enabled: 'Account enabled again',
    mfa_reset: 'Second factor reset',
    sessions_ended: 'Sessions ended',
    user_deleted: 'Account deleted',
  };
  /** The admin whose view is loaded: reloading the account (after a change of one's own) keeps the search and the open user. */
  let adminOf = null;
  let usersQuery = '';
  let usersCursor = null;
  /** The user the audit log is narrowed to (?target=), or null for every entry. */
  let auditTarget = null;
  let auditCursor = null;
  /** The user open in the panel (GET /admin/users/:id). */
  let openedUser = null;
  /** The addresses of the users seen, by id: the audit log names its actors and targets by id. */
  const emailsById = new Map();

  /** A call to /admin: the refusals of ADMIN_ERRORS, or of this call's own messages, in plainer words. */
  async function adminApi(method, path, body, messages) {
    try {
      return await api(method, '/admin' + path, body);
    } catch (error) {
      const text = error instanceof ApiError && ((messages && messages[error.code]) || ADMIN_ERRORS[error.code]);
      if (text) error.message = text;
      throw error;
    }
  }

  const withQuery = (path, params) => (params.toString() ? path + '?' + params.toString() : path);
  const nameOf = (id) => emailsById.get(id) || id;
  const count = (n, one, many) => n + ' ' + (n === 1 ? one : many);
  const userPath = (user) => '/users/' + encodeURIComponent(user.id);

  function resetAdmin() {
    adminOf = null;
    usersQuery = '';
    usersCursor = null;
    auditTarget = null;
    auditCursor = null;
    openedUser = null;
    emailsById.clear();
    for (const list of ['admin-user-list', 'admin-session-list', 'admin-audit-list']) $(list).replaceChildren();
    for (const hidden of ['admin-view', 'admin-notice', 'admin-user', 'admin-users-more', 'admin-audit-more', 'admin-audit-all']) $(hidden).hidden = true;
    $('admin-tools').hidden = false;
    $('admin-search-form').reset();
  }

  /** The admin view, for an admin only: the newest users and the newest audit entries, loaded once per signed-in admin. */
  async function loadAdmin(user) {
    const admin = (user.roles || []).includes('admin');
    if (admin && adminOf === user.id) return;
    resetAdmin();
    if (!admin) return;
    emailsById.set(user.id, user.email);
    $('admin-view').hidden = false;
    try {
      await Promise.all([searchUsers(''), loadAudit(null)]);
      adminOf = user.id;
    } catch (error) {
      if (error.code !== 'MFA_REQUIRED') throw error;
      // Tried again at the next load of the account (after enrolling a factor, say).
      $('admin-tools').hidden = true;
      $('admin-notice').textContent = error.message + ' [' + error.code + ']';
      $('admin-notice').hidden = false;
    }
  }

  /** GET /admin/users: the first page for query, or with more the next page of the last search. */
  async function searchUsers(query, more) {
    const params = new URLSearchParams();
    if (query) params.set('q', query);
    if (more) params.set('cursor', usersCursor);
    const page = await adminApi('GET', withQuery('/users', params));
    usersQuery = query;
    usersCursor = page.nextCursor;
    for (const user of page.items) emailsById.set(user.id, user.email);
    const items = page.items.map(userItem);
    if (more) $('admin-user-list').append(...items);
    else $('admin-user-list').replaceChildren(...items);
    $('admin-no-users').hidden = $('admin-user-list').childElementCount > 0;
    $('admin-users-more').hidden = !usersCursor;
  }

  onSubmit('admin-search-form', () => searchUsers(value('admin-q')));
  onClick('admin-users-more', () => searchUsers(usersQuery, true));

  function userItem(user) {
    const open = el('button', { type: 'button', className: 'secondary', 'aria-label': 'Open ' + user.email }, 'Open');
    handle(open, 'click', () => openUser(user.id));
    return el(
      'li',
      { 'data-user-id': user.id },
      el('strong', {}, user.email),
      user.name ? el('span', {}, ' (' + user.name + ')') : '',
      ...(user.roles || []).map((role) => el('span', { className: 'tag' }, role)),
      user.disabled ? el('span', { className: 'tag warn' }, 'disabled') : '',
      user.mfaEnabled ? el('span', { className: 'tag' }, 'second factor') : '',
      el(
        'span',
        { className: 'meta' },
        'Last sign-in ' + when(user.lastLoginAt) + '; ' + count(user.activeSessions, 'active session', 'active sessions') + '; created ' + when(user.createdAt),
      ),
      open,
    );
  }

  async function openUser(id) {
    showUser(await adminApi('GET', '/users/' + encodeURIComponent(id)));
  }

  /** Fills the panel with a user's details (and refreshes the user's line in the search results). */
  function showUser(user) {
    openedUser = user;
    emailsById.set(user.id, user.email);
    const totp = user.mfa.totp;
    $('admin-user-heading').textContent = user.name ? user.name + ' (' + user.email + ')' : user.email;
    $('admin-user-email').textContent =
      user.email + (user.emailVerified ? ', verified' : ', not verified') + (user.pendingEmail ? '; changing to ' + user.pendingEmail : '');
    $('admin-user-name').textContent = user.name || '(none)';
    $('admin-user-roles').textContent = user.roles.join(', ') || '(none)';
    $('admin-user-state').textContent = user.disabled ? 'disabled: it cannot sign in' : 'enabled';
    $('admin-user-created').textContent = when(user.createdAt);
    $('admin-user-last-login').textContent = when(user.lastLoginAt);
    $('admin-user-session-count').textContent = String(user.activeSessions);
    $('admin-user-password').textContent = user.hasPassword ? 'set' : 'none (signs in with a provider or a passkey)';
    $('admin-user-mfa').textContent = totp.enabled
      ? 'an authenticator app since ' + when(totp.createdAt) + '; ' + count(user.mfa.recoveryCodesRemaining, 'recovery code', 'recovery codes') + ' left'
      : 'none' + (user.mfa.recoveryCodesRemaining > 0 ? ' (' + count(user.mfa.recoveryCodesRemaining, 'recovery code', 'recovery codes') + ' left)' : '');
    $('admin-user-passkeys').textContent = String(user.passkeys);
    $('admin-user-identities').textContent =
      user.identities.length === 0
        ? 'none'
        : user.identities.map((identity) => labelOf(identity.provider) + ' (' + (identity.email || identity.subject) + '), linked ' + when(identity.linkedAt)).join('; ');
    $('admin-disable').hidden = user.disabled;
    $('admin-enable').hidden = !user.disabled;
    $('admin-reset-mfa').hidden = !totp.enabled && user.mfa.recoveryCodesRemaining === 0;
    $('admin-session-list').replaceChildren(...user.sessions.map(adminSessionItem));
    $('admin-no-sessions').hidden = user.sessions.length > 0;
    $('admin-user').hidden = false;
    const listed = [...$('admin-user-list').children].find((item) => item.getAttribute('data-user-id') === user.id);
    if (listed) listed.replaceWith(userItem(user));
  }

  function adminSessionItem(session) {
    return el(
      'li',
      { 'data-session-id': session.id },
      el('strong', {}, 'Started ' + when(session.createdAt)),
      el('span', { className: 'tag' }, session.aal),
      el('span', { className: 'tag' }, 'amr: ' + (session.amr || []).join(', ')),
      el('span', { className: 'meta' }, 'Last used ' + when(session.lastUsedAt) + ', expires ' + when(session.expiresAt) + (session.ip ? ', from ' + session.ip : '')),
      el('span', { className: 'meta' }, session.userAgent || 'unknown client'),
    );
  }

  /** After an action on the open user: the user as it is now, and the audit log with the new entry. */
  async function afterAdminAction(user, text) {
    say(text);
    await Promise.all([openUser(user.id), loadAudit(auditTarget)]);
  }

  onClick('admin-disable', async () => {
    const user = openedUser;
    showUser(await adminApi('PATCH', userPath(user), { disabled: true }));
    say(user.email + ' is disabled: its sessions have ended and it cannot sign in.');
    await loadAudit(auditTarget);
  });

  onClick('admin-enable', async () => {
    const user = openedUser;
    showUser(await adminApi('PATCH', userPath(user), { disabled: false }));
    say(user.email + ' is enabled again: it can sign in (its old sessions stay ended).');
    await loadAudit(auditTarget);
  });

  onClick('admin-reset-mfa', async () => {
    const user = openedUser;
    await adminApi('DELETE', userPath(user) + '/mfa', undefined, { NOT_FOUND: 'This user has no second factor (any more), or no longer exists.' });
    await afterAdminAction(user, 'The second factor of ' + user.email + ' and its recovery codes are removed, its sessions have ended, and it is mailed a notice.');
  });

  onClick('admin-end-sessions', async () => {
    const user = openedUser;
    await adminApi('DELETE', userPath(user) + '/sessions');
    await afterAdminAction(user, 'Every session of ' + user.email + ' has ended.');
  });

  $('admin-user-close').addEventListener('click', () => {
    openedUser = null;
    $('admin-user').hidden = true;
  });

  /** GET /admin/audit, newest first: the first page (of every entry, or those about target), or with more the next page. */
  async function loadAudit(target, more) {
    const params = new URLSearchParams();
    if (target) params.set('target', target);
    if (more) params.set('cursor', auditCursor);
    const page = await adminApi('GET', withQuery('/audit', params));
    auditTarget = target;
    auditCursor = page.nextCursor;
    const items = page.items.map(auditItem);
    if (more) $('admin-audit-list').append(...items);
    else $('admin-audit-list').replaceChildren(...items);
    $('admin-no-audit').hidden = $('admin-audit-list').childElementCount > 0;
    $('admin-audit-more').hidden = !auditCursor;
    $('admin-audit-all').hidden = !target;
    $('admin-audit-scope').textContent = target ? 'The entries about ' + nameOf(target) + ', newest first.' : 'Every admin action, newest first.';
  }

  onClick('admin-user-audit', () => loadAudit(openedUser.id));
  onClick('admin-audit-all', () => loadAudit(null));
  onClick('admin-audit-reload', () => loadAudit(auditTarget));
  onClick('admin-audit-more', () => loadAudit(auditTarget, true));

  function auditItem(entry) {
    const details = entry.details || {};
    const facts = [];
    for (const [key, detail] of Object.entries(details)) {
      if (key === 'from' || key === 'via' || (key === 'email' && entry.action === 'user_deleted')) continue;
      if (key === 'to' && Array.isArray(detail)) facts.push('roles ' + ((details.from || []).join(', ') || 'none') + ' became ' + (detail.join(', ') || 'none'));
      else if (key === 'sessions' && entry.action === 'sessions_ended') facts.push(count(detail, 'session', 'sessions') + ' ended');
      else facts.push(key + ': ' + JSON.stringify(detail));
    }
    const target = entry.targetId ? emailsById.get(entry.targetId) || details.email || entry.targetId : '';
    const actor = entry.actorId ? nameOf(entry.actorId) : details.via || 'the command line';
    return el(
      'li',
      { 'data-audit-id': entry.id },
      el('strong', {}, AUDIT_ACTIONS[entry.action] || entry.action),
      el('span', { className: 'tag' }, entry.action),
      target ? el('span', {}, ' ' + target) : '',
      el('span', { className: 'meta' }, when(entry.at) + ', by ' + actor + (entry.ip ? ' from ' + entry.ip : '')),
      facts.length > 0 ? el('span', { className: 'meta' }, facts.join('; ')) : '',
    );
  }

  // --- start --------------------------------------------------------------

  function startMfaPage() {
    for (const id of ['login-form', 'passkey-login', 'providers', 'register-section']) $(id).hidden = true;
    $('sign-in-heading').textContent = 'Finish signing in';
    $('mfa-form').hidden = false;
    $('signed-out').hidden = false;
    $('mfa-code').focus();
    say('Enter the code from your authenticator app, or a recovery code.');
  }

  if (MFA_PAGE) {
    startMfaPage();
  } else {
    const redirectError = new URLSearchParams(location.search).get('error');
    if (redirectError) {
      fail(new Error((REDIRECT_ERRORS[redirectError] || 'The provider step did not complete.') + ' [' + redirectError + ']'));
      history.replaceState(null, '', location.pathname);
    }
    providersLoaded.catch(fail);
    loadAccount().catch((error) => {
      showSignedOut();
      fail(error);
    });
  }
})();
`;
