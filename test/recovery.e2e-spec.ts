import { Injectable, Module } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { ApiClient } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { SmtpReceiver } from './support/smtp-receiver';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, logInVerified, registerUser, TEST_PASSWORD } from './support/users';

const NEW_PASSWORD = 'a new and much better passphrase';
const FORGOT = '/api/v1/auth/password/forgot';
const RESET = '/api/v1/auth/password/reset';
const VERIFY = '/api/v1/auth/email/verify';
const RESEND = '/api/v1/auth/email/verify/resend';
const CHANGE_EMAIL = '/api/v1/users/me/email';

/** The auth events feature modules hear (@nestjs/event-emitter). */
@Injectable()
class Heard {
  readonly events: Array<{ name: string; event: unknown }> = [];

  @OnEvent('auth.**')
  record(event: unknown): void {
    this.events.push({ name: (event as object).constructor.name, event });
  }
}

@Module({ providers: [Heard] })
class HeardModule {}

const newEmail = () => `user-${randomUUID()}@example.com`;

async function eventTypes(client: ApiClient): Promise<string[]> {
  const response = await client.get('/api/v1/users/me/events?limit=100');
  expect(response.status).toBe(200);
  return (response.body.items as Array<{ type: string }>).map((event) => event.type);
}

async function metric(app: TestApp, line: RegExp): Promise<number> {
  const text = (await app.client().get('/metrics')).body as string;
  const found = text.split('\n').find((candidate) => line.test(candidate));
  return found ? Number(found.split(' ').pop()) : 0;
}

/** Expects a 400 TOKEN_INVALID without an RFC 6750 challenge (no Bearer token is at fault). */
function expectTokenInvalid(response: Awaited<ReturnType<ApiClient['post']>>): void {
  expectError(response, 400, 'TOKEN_INVALID');
  expect(response.headers.get('www-authenticate')).toBeNull();
}

describe('account recovery over a real SMTP server', () => {
  const smtp = new SmtpReceiver();
  let app: TestApp;

  beforeAll(async () => {
    const smtpUrl = await smtp.start();
    app = await startTestApp({ SMTP_URL: smtpUrl, MAIL_FROM: 'Auth <auth@example.test>', APP_URL: 'https://app.example.test/' }, { modules: [HeardModule] });
  });
  afterAll(async () => {
    await app?.close();
    await smtp.stop();
  });

  describe('email verification', () => {
    it('mails a link on registration; following it verifies the address, once', async () => {
      const user = await registerUser(app);
      const mail = await smtp.next(user.email, 'Confirm your email address');
      expect(mail.from).toBe('auth@example.test');
      expect(mail.link).toMatch(/^https:\/\/app\.example\.test\/verify-email\?token=[A-Za-z0-9_-]{43}$/);
      expect(mail.text).toContain(`This mail was sent to ${user.email}`);
      expect(mail.html).toContain(mail.link);
      expect(mail.html).toContain(user.email);

      const { client } = await logIn(app, 'body', user);
      expect((await client.get('/api/v1/users/me')).body.emailVerified).toBe(false);

      expect((await app.client().post(VERIFY, { token: mail.token })).status).toBe(204);
      expect((await client.get('/api/v1/users/me')).body.emailVerified).toBe(true);
      expect(await eventTypes(client)).toContain('email_verified');
      expect(app.app.get(Heard).events).toContainEqual({ name: 'EmailVerifiedEvent', event: { userId: user.id, email: user.email } });

      expectTokenInvalid(await app.client().post(VERIFY, { token: mail.token }));
    });

    it('resend mails a new link and the previous one stops working', async () => {
      const user = await registerUser(app);
      const first = await smtp.next(user.email, 'Confirm your email address');
      const { client } = await logIn(app, 'body', user);
      expect((await client.post(RESEND)).status).toBe(202);
      const second = await smtp.next(user.email, 'Confirm your email address', 2);
      expect(second.token).not.toBe(first.token);

      expectTokenInvalid(await app.client().post(VERIFY, { token: first.token }));
      expect((await app.client().post(VERIFY, { token: second.token })).status).toBe(204);
    });

    it('resend for a verified address answers 202 and mails nothing', async () => {
      const user = await registerUser(app);
      await app.client().post(VERIFY, { token: (await smtp.next(user.email, 'Confirm your email address')).token });
      const { client } = await logIn(app, 'body', user);
      expect((await client.post(RESEND)).status).toBe(202);
      expect(await app.dataSource.query('SELECT kind FROM mail_outbox WHERE user_id = $1', [user.id])).toEqual([]);
      expect(smtp.for(user.email)).toHaveLength(1);
    });

    it('refuses unknown and malformed tokens with 400 TOKEN_INVALID, and a missing one with 400 VALIDATION_FAILED', async () => {
      expectTokenInvalid(await app.client().post(VERIFY, { token: 'x'.repeat(43) }));
      expectTokenInvalid(await app.client().post(VERIFY, { token: 'not a token at all' }));
      expectError(await app.client().post(VERIFY, {}), 400, 'VALIDATION_FAILED');
      expectError(await app.client().post(VERIFY, { token: 42 }), 400, 'VALIDATION_FAILED');
    });

    it('resend needs an access token', async () => {
      expectError(await app.client().post(RESEND), 401, 'TOKEN_MISSING');
    });
  });

  describe('forgot and reset password', () => {
    it('forgot → mail → reset: the old sessions are dead, the new password works, every step is in the events', async () => {
      const user = await registerUser(app);
      const bearer = await logIn(app, 'body', user);
      const cookie = await logIn(app, 'cookie', user);

      const forgot = await app.client().post(FORGOT, { email: user.email.toUpperCase() });
      expect(forgot.status).toBe(202);
      const mail = await smtp.next(user.email, 'Reset your password');
      expect(mail.link).toMatch(/^https:\/\/app\.example\.test\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
      expect(mail.text).toContain(`This mail was sent to ${user.email}`);
      expect(mail.text).toContain('30 minutes');

      expect((await app.client().post(RESET, { token: mail.token, newPassword: NEW_PASSWORD })).status).toBe(204);

      expectError(await bearer.client.get('/api/v1/users/me'), 401, 'SESSION_REVOKED');
      expectError(await cookie.client.get('/api/v1/users/me'), 401, 'SESSION_REVOKED');
      expectError(await bearer.client.post('/api/v1/auth/refresh', { refreshToken: bearer.refreshToken }), 401, 'SESSION_REVOKED');
      expectError(await app.client().post('/api/v1/auth/login', { email: user.email, password: TEST_PASSWORD }), 401, 'INVALID_CREDENTIALS');

      const heard = app.app.get(Heard).events;
      expect(heard).toContainEqual({ name: 'PasswordChangedEvent', event: { userId: user.id } });
      expect(heard).toContainEqual({
        name: 'SessionRevokedEvent',
        event: { userId: user.id, sessionIds: expect.arrayContaining([bearer.sessionId, cookie.sessionId]), reason: 'password_reset' },
      });
      expect(heard).toContainEqual({ name: 'EmailVerifiedEvent', event: { userId: user.id, email: user.email } });

      const fresh = await logIn(app, 'body', { ...user, password: NEW_PASSWORD });
      const me = await fresh.client.get('/api/v1/users/me');
      expect(me.body.emailVerified).toBe(true);
      const types = await eventTypes(fresh.client);
      expect(types[0]).toBe('login_succeeded');
      expect(types.indexOf('password_reset')).toBeGreaterThan(0);
      expect(types.indexOf('password_reset_requested')).toBeGreaterThan(types.indexOf('password_reset'));
    });

    it('answers an unknown email exactly as a known one, and mails nothing', async () => {
      const known = await registerUser(app);
      const unknown = newEmail();
      const forUnknown = await app.client().post(FORGOT, { email: unknown });
      const forKnown = await app.client().post(FORGOT, { email: known.email });
      expect({ status: forUnknown.status, body: forUnknown.body }).toEqual({ status: forKnown.status, body: forKnown.body });
      expect(forUnknown.status).toBe(202);
      expect([...forUnknown.headers.keys()].filter((name) => !['date', 'x-request-id'].includes(name))).toEqual(
        [...forKnown.headers.keys()].filter((name) => !['date', 'x-request-id'].includes(name)),
      );
      expect(await app.dataSource.query('SELECT kind FROM mail_outbox WHERE recipient = $1', [unknown])).toEqual([]);
      await smtp.next(known.email, 'Reset your password');
      expect(smtp.for(unknown)).toEqual([]);
    });

    it('a used token is refused', async () => {
      const user = await registerUser(app);
      await app.client().post(FORGOT, { email: user.email });
      const { token } = await smtp.next(user.email, 'Reset your password');
      expect((await app.client().post(RESET, { token, newPassword: NEW_PASSWORD })).status).toBe(204);
      expectTokenInvalid(await app.client().post(RESET, { token, newPassword: 'yet another good passphrase' }));
    });

    it('a newer link supersedes the older one', async () => {
      const user = await registerUser(app);
      await app.client().post(FORGOT, { email: user.email });
      const first = await smtp.next(user.email, 'Reset your password');
      await app.client().post(FORGOT, { email: user.email });
      const second = await smtp.next(user.email, 'Reset your password', 2);
      expectTokenInvalid(await app.client().post(RESET, { token: first.token, newPassword: NEW_PASSWORD }));
      expect((await app.client().post(RESET, { token: second.token, newPassword: NEW_PASSWORD })).status).toBe(204);
    });

    it('an expired token is refused (PASSWORD_RESET_TTL, 30 minutes)', async () => {
      const user = await registerUser(app);
      await app.client().post(FORGOT, { email: user.email });
      const { token } = await smtp.next(user.email, 'Reset your password');
      app.clock.advance(31 * 60_000);
      try {
        expectTokenInvalid(await app.client().post(RESET, { token, newPassword: NEW_PASSWORD }));
      } finally {
        app.clock.advance(-31 * 60_000);
      }
      await logIn(app, 'body', user);
    });

    it('applies the password policy, and the refused attempt leaves the link usable', async () => {
      const user = await registerUser(app);
      await app.client().post(FORGOT, { email: user.email });
      const { token } = await smtp.next(user.email, 'Reset your password');
      expectError(await app.client().post(RESET, { token, newPassword: 'password' }), 400, 'VALIDATION_FAILED');
      expectError(await app.client().post(RESET, { token, newPassword: '            ' }), 400, 'VALIDATION_FAILED');
      expect((await app.client().post(RESET, { token, newPassword: NEW_PASSWORD })).status).toBe(204);
    });

    it('a reset token is not a verification token, nor the reverse', async () => {
      const user = await registerUser(app);
      const verification = await smtp.next(user.email, 'Confirm your email address');
      await app.client().post(FORGOT, { email: user.email });
      const reset = await smtp.next(user.email, 'Reset your password');
      expectTokenInvalid(await app.client().post(RESET, { token: verification.token, newPassword: NEW_PASSWORD }));
      expectTokenInvalid(await app.client().post(VERIFY, { token: reset.token }));
    });

    it('validates the email of forgot like every other email', async () => {
      expectError(await app.client().post(FORGOT, { email: 'not-an-email' }), 400, 'VALIDATION_FAILED');
      expectError(await app.client().post(FORGOT, { email: 'victim\u200d@example.com' }), 400, 'VALIDATION_FAILED');
      expectError(await app.client().post(FORGOT, { email: 'a@example.com', extra: 1 }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('change of address', () => {
    it('mails a confirmation to the new address and a notice to the old; the change applies on confirmation', async () => {
      const { user, client } = await logInVerified(app, smtp);
      const target = newEmail();
      expect((await client.post(CHANGE_EMAIL, { newEmail: target.toUpperCase(), password: TEST_PASSWORD })).status).toBe(202);

      const confirmation = await smtp.next(target, 'Confirm your new email address');
      expect(confirmation.link).toMatch(/\/verify-email\?token=/);
      expect(confirmation.text).toContain(`This mail was sent to ${target}`);
      const notice = await smtp.next(user.email, 'Your email address is being changed');
      expect(notice.text).toContain(target);
      expect(notice.token).toBeUndefined();

      expect((await client.get('/api/v1/users/me')).body.email).toBe(user.email);
      expect((await app.client().post(VERIFY, { token: confirmation.token })).status).toBe(204);
      const me = (await client.get('/api/v1/users/me')).body;
      expect({ email: me.email, emailVerified: me.emailVerified }).toEqual({ email: target, emailVerified: true });
      expect((await eventTypes(client)).slice(0, 2)).toEqual(['email_changed', 'email_change_requested']);

      await logIn(app, 'body', { ...user, email: target });
      expectError(await app.client().post('/api/v1/auth/login', { email: user.email, password: TEST_PASSWORD }), 401, 'INVALID_CREDENTIALS');
    });

    it('voids links mailed to the old address once the change applies', async () => {
      const { user, client } = await logInVerified(app, smtp);
      await app.client().post(FORGOT, { email: user.email });
      const reset = await smtp.next(user.email, 'Reset your password');
      const target = newEmail();
      await client.post(CHANGE_EMAIL, { newEmail: target, password: TEST_PASSWORD });
      await app.client().post(VERIFY, { token: (await smtp.next(target, 'Confirm your new email address')).token });
      expectTokenInvalid(await app.client().post(RESET, { token: reset.token, newPassword: NEW_PASSWORD }));
    });

    it('refuses a wrong password (401), the current address (400) and an address in use (409)', async () => {
      const { user, client } = await logInVerified(app, smtp);
      const other = await registerUser(app);
      expectError(await client.post(CHANGE_EMAIL, { newEmail: newEmail(), password: 'not the password' }), 401, 'INVALID_CREDENTIALS');
      expectError(await client.post(CHANGE_EMAIL, { newEmail: user.email, password: TEST_PASSWORD }), 400, 'VALIDATION_FAILED');
      expectError(await client.post(CHANGE_EMAIL, { newEmail: other.email, password: TEST_PASSWORD }), 409, 'EMAIL_TAKEN');
      expectError(await client.post(CHANGE_EMAIL, { newEmail: 'nope', password: TEST_PASSWORD }), 400, 'VALIDATION_FAILED');
    });

    it('refuses the confirmation of an address taken in the meantime, changing nothing', async () => {
      const { user, client } = await logInVerified(app, smtp);
      const target = newEmail();
      await client.post(CHANGE_EMAIL, { newEmail: target, password: TEST_PASSWORD });
      const confirmation = await smtp.next(target, 'Confirm your new email address');
      await registerUser(app, { email: target });
      expectError(await app.client().post(VERIFY, { token: confirmation.token }), 409, 'EMAIL_TAKEN');
      expect((await client.get('/api/v1/users/me')).body.email).toBe(user.email);
    });
  });

  it('counts sent mail in /metrics, and the queue empties', async () => {
    expect(await metric(app, /^auth_mails_total\{kind="email_verification",outcome="sent"\}/)).toBeGreaterThan(0);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await metric(app, /^auth_mail_queue_depth /)) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await metric(app, /^auth_mail_queue_depth /)).toBe(0);
  });
});

describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  const smtp = new SmtpReceiver();
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ SMTP_URL: await smtp.start(), REQUIRE_VERIFIED_EMAIL: 'true' });
  });
  afterAll(async () => {
    await app?.close();
    await smtp.stop();
  });

  it('refuses login of an unverified address with 403 EMAIL_NOT_VERIFIED, only after the password check', async () => {
    const user = await registerUser(app);
    const login = (password: string) => app.client().post('/api/v1/auth/login', { email: user.email, password });
    expectError(await login('not the password'), 401, 'INVALID_CREDENTIALS');
    expectError(await login(TEST_PASSWORD), 403, 'EMAIL_NOT_VERIFIED');

    await app.client().post(VERIFY, { token: (await smtp.next(user.email, 'Confirm your email address')).token });
    expect((await login(TEST_PASSWORD)).status).toBe(200);
  });

  it('refuses the refresh of a session whose address is not verified (403 EMAIL_NOT_VERIFIED), rotating nothing', async () => {
    const user = await registerUser(app);
    await app.client().post(VERIFY, { token: (await smtp.next(user.email, 'Confirm your email address')).token });
    const session = await logIn(app, 'body', user);
    // As when REQUIRE_VERIFIED_EMAIL is turned on with sessions of unverified accounts still alive.
    await app.dataSource.query('UPDATE users SET email_verified = false WHERE id = $1', [user.id]);
    expectError(await session.client.post('/api/v1/auth/refresh', { refreshToken: session.refreshToken }), 403, 'EMAIL_NOT_VERIFIED');
    const [row] = await app.dataSource.query('SELECT generation FROM key_store WHERE id = $1', [session.sessionId]);
    expect(row.generation).toBe(1);
  });

  it('a password reset verifies the address (the link reached it), so login works after it', async () => {
    const user = await registerUser(app);
    await app.client().post(FORGOT, { email: user.email });
    const { token } = await smtp.next(user.email, 'Reset your password');
    expect((await app.client().post(RESET, { token, newPassword: NEW_PASSWORD })).status).toBe(204);
    expect((await app.client().post('/api/v1/auth/login', { email: user.email, password: NEW_PASSWORD })).status).toBe(200);
  });
});

describe('mail with the SMTP server down', () => {
  let app: TestApp;

  beforeAll(async () => {
    // A closed port on the loopback: every delivery is refused at once, and retried.
    app = await startTestApp({ SMTP_URL: 'smtp://127.0.0.1:9' });
  });
  afterAll(() => app?.close());

  it('never fails or holds the request: registration and forgot answer as usual, the mail waits for a retry', async () => {
    const user = await registerUser(app);
    expect((await app.client().post(FORGOT, { email: user.email })).status).toBe(202);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await metric(app, /^auth_mails_total\{kind="password_reset",outcome="retried"\}/)) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await metric(app, /^auth_mails_total\{kind="password_reset",outcome="retried"\}/)).toBeGreaterThan(0);
    expect(await metric(app, /^auth_mail_queue_depth /)).toBeGreaterThanOrEqual(2);
    expect(await metric(app, /^auth_mails_total\{kind="password_reset",outcome="sent"\}/)).toBe(0);
  });
});
