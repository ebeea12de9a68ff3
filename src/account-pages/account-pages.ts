/**
 * Two small pages for the links in mails, for development: with the default
 * APP_URL the links point at the service itself, and these let a newcomer
 * follow them. A deployment points APP_URL at its own front end instead.
 * No inline script (the CSP allows only 'self'); the token stays in the page
 * (no Referer is sent) and is posted to the API only when the button is pressed,
 * so a mail scanner that fetches the link does not use it up.
 */
const page = (title: string, form: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; background: #f4f5f7; }
  main { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; width: min(26rem, 90vw); }
  label, input, button { display: block; width: 100%; box-sizing: border-box; }
  input { margin: .25rem 0 1rem; padding: .5rem; font: inherit; }
  button { padding: .6rem; font: inherit; cursor: pointer; }
  [role=status] { min-height: 1.5em; }
</style>
</head>
<body>
<main>
<h1>${title}</h1>
${form}
<p role="status" id="result"></p>
</main>
<script src="/account-pages.js"></script>
</body>
</html>
`;

export const VERIFY_EMAIL_PAGE = page('Confirm your email address', `<form id="verify-email"><button type="submit">Confirm my address</button></form>`);

export const RESET_PASSWORD_PAGE = page(
  'Choose a new password',
  `<form id="reset-password">
<label for="new-password">New password</label>
<input id="new-password" name="newPassword" type="password" autocomplete="new-password" minlength="8" maxlength="256" required>
<button type="submit">Set the new password</button>
</form>`,
);

export const ACCOUNT_PAGES_SCRIPT = `'use strict';
(() => {
  const token = new URLSearchParams(location.search).get('token') || '';
  const result = document.getElementById('result');

  async function post(path, body) {
    const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.ok) return null;
    const error = await response.json().catch(() => ({}));
    const details = (error.details || []).flatMap((detail) => detail.messages);
    return details.length > 0 ? details.join('; ') : error.message || 'Something went wrong (' + response.status + ')';
  }

  function onSubmit(id, send, done) {
    const form = document.getElementById(id);
    if (!form) return;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button');
      button.disabled = true;
      const failure = await post(...send(form)).catch(() => 'The service could not be reached');
      result.textContent = failure || done;
      if (failure) button.disabled = false;
      else form.hidden = true;
    });
  }

  onSubmit('verify-email', () => ['/api/v1/auth/email/verify', { token }], 'Your email address is confirmed.');
  onSubmit(
    'reset-password',
    (form) => ['/api/v1/auth/password/reset', { token, newPassword: form.elements.newPassword.value }],
    'Your password has been changed and every session signed out: sign in with the new password.',
  );
})();
`;
