import { randomUUID } from 'node:crypto';
import { AppError } from '../src/common/error-code';
import { PasswordHasher } from '../src/users/password-hasher.service';
import { ApiClient, ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { outboxDrained } from './support/outbox';
import { SmtpReceiver } from './support/smtp-receiver';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, logInVerified, registerUser, TestUser } from './support/users';

const NEW_PASSWORD = 'a new and much better passphrase';
const FORGOT = '/api/v1/auth/password/forgot';
const RESET = '/api/v1/auth/password/reset';
const VERIFY = '/api/v1/auth/email/verify';
const CHANGE_EMAIL = '/api/v1/users/me/email';
const ME = '/api/v1/users/me';
const CONFIRM_SUBJECT = 'Confirm your new email address';

const mailbox = () => `user-${randomUUID()}@example.com`;

function expectTokenInvalid(response: ApiResponse): void {
  expectError(response, 400, 'TOKEN_INVALID');
}

/**
 * What an outside review of account recovery broke: a pending change of
 * address that outlived the victim securing the account, tokens of one kind
 * that coexisted, and a burst with one reset token that hashed once per request.
 */
describe('account security: pending changes of address and mailed tokens', () => {
  const smtp = new SmtpReceiver();
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ SMTP_URL: await smtp.start() });
  });
  afterAll(async () => {
    await app?.close();
    await smtp.stop();
  });

  /** With the password, someone starts moving the account to `target` and receives the confirmation link there. */
  async function startChange(user: TestUser, target = mailbox()): Promise<{ target: string; token: string }> {
    const { client } = await logIn(app, 'body', user);
    expect((await client.post(CHANGE_EMAIL, { newEmail: target, password: user.password })).status).toBe(202);
    return { target, token: (await smtp.next(target, CONFIRM_SUBJECT)).token! };
  }

  describe('a pending change of address', () => {
    it('shows on the user as pendingEmail until the link confirms it', async () => {
      const { user, client } = await logInVerified(app, smtp);
      expect((await client.get(ME)).body.pendingEmail).toBeNull();
      const { target, token } = await startChange(user);
      expect((await client.get(ME)).body).toMatchObject({ email: user.email, pendingEmail: target });
      expect((await app.client().post(VERIFY, { token })).status).toBe(204);
      expect((await client.get(ME)).body).toMatchObject({ email: target, pendingEmail: null });
    });

    it('is cancelled by DELETE /users/me/email: 204, pendingEmail null, and its link no longer works', async () => {
      const { user, client } = await logInVerified(app, smtp);
      const { token } = await startChange(user);
      expect((await client.delete(CHANGE_EMAIL)).status).toBe(204);
      expect((await client.get(ME)).body).toMatchObject({ email: user.email, pendingEmail: null });
      expectTokenInvalid(await app.client().post(VERIFY, { token }));
      expect((await client.get(ME)).body.email).toBe(user.email);
    });

    it('DELETE /users/me/email answers 204 when nothing is pending, and needs an access token', async () => {
      const { client } = await logInVerified(app, smtp);
      expect((await client.delete(CHANGE_EMAIL)).status).toBe(204);
      expect((await client.delete(CHANGE_EMAIL)).status).toBe(204);
      expectError(await app.client().delete(CHANGE_EMAIL), 401, 'TOKEN_MISSING');
    });

    it('is replaced by a newer one: only the newer link works', async () => {
      const { user, client } = await logInVerified(app, smtp);
      const first = await startChange(user);
      const second = await startChange(user);
      expect((await client.get(ME)).body.pendingEmail).toBe(second.target);
      expectTokenInvalid(await app.client().post(VERIFY, { token: first.token }));
      expect((await app.client().post(VERIFY, { token: second.token })).status).toBe(204);
      expect((await client.get(ME)).body.email).toBe(second.target);
    });

    it('lapses with its link (EMAIL_VERIFICATION_TTL, 24 hours)', async () => {
      const { user } = await logInVerified(app, smtp);
      const { token } = await startChange(user);
      app.clock.advance(24 * 3600_000 + 60_000);
      try {
        const { client } = await logIn(app, 'body', user);
        expect((await client.get(ME)).body.pendingEmail).toBeNull();
        expectTokenInvalid(await app.client().post(VERIFY, { token }));
      } finally {
        app.clock.advance(-(24 * 3600_000 + 60_000));
      }
    });

    /** The takeover: the victim does what the notice says, and the attacker's link must die with it. Each answers the password after it. */
    const securingActions: Array<[string, (user: TestUser, client: ApiClient) => Promise<string>]> = [
      [
        'a password reset',
        async (user) => {
          await app.client().post(FORGOT, { email: user.email });
          const { token } = await smtp.next(user.email, 'Reset your password');
          expect((await app.client().post(RESET, { token, newPassword: NEW_PASSWORD })).status).toBe(204);
          return NEW_PASSWORD;
        },
      ],
      [
        'a password change',
        async (user, client) => {
          expect((await client.post('/api/v1/users/me/password', { currentPassword: user.password, newPassword: NEW_PASSWORD })).status).toBe(204);
          return NEW_PASSWORD;
        },
      ],
      [
        'signing out everywhere',
        async (user, client) => {
          expect((await client.post('/api/v1/auth/logout-all')).status).toBe(204);
          return user.password;
        },
      ],
      [
        'an admin ending the sessions',
        async (user) => {
          const admin = await logIn(app, 'body', await registerUser(app, { roles: ['user', 'admin'] }));
          expect((await admin.client.delete(`/api/v1/users/${user.id}/sessions`)).status).toBe(204);
          return user.password;
        },
      ],
    ];

    it.each(securingActions)("is voided by %s: the attacker's link is refused and the address stays", async (_action, secure) => {
      const { user, client } = await logInVerified(app, smtp);
      const { token } = await startChange(user);
      const password = await secure(user, client);
      expectTokenInvalid(await app.client().post(VERIFY, { token }));
      const fresh = await logIn(app, 'body', { ...user, password });
      expect((await fresh.client.get(ME)).body).toMatchObject({ email: user.email, pendingEmail: null });
    });

    it('voided before its mail went out: the confirmation is not sent, or its link is refused', async () => {
      const { user, client } = await logInVerified(app, smtp);
      const target = mailbox();
      expect((await client.post(CHANGE_EMAIL, { newEmail: target, password: user.password })).status).toBe(202);
      expect((await client.post('/api/v1/auth/logout-all')).status).toBe(204);
      await outboxDrained(app.dataSource);
      for (const mail of smtp.for(target)) expectTokenInvalid(await app.client().post(VERIFY, { token: mail.token }));
      expect((await logIn(app, 'body', user)).login.body.user).toMatchObject({ email: user.email, pendingEmail: null });
    });
  });

  describe('every other mailed token dies with a change that secures the account', () => {
    it('a reset link asked for before a password change is refused after it', async () => {
      const { user, client } = await logInVerified(app, smtp);
      await app.client().post(FORGOT, { email: user.email });
      const { token } = await smtp.next(user.email, 'Reset your password');
      expect((await client.post('/api/v1/users/me/password', { currentPassword: user.password, newPassword: NEW_PASSWORD })).status).toBe(204);
      expectTokenInvalid(await app.client().post(RESET, { token, newPassword: 'yet another fine passphrase' }));
    });

    it('a verification link is refused after signing out everywhere', async () => {
      const user = await registerUser(app);
      const { token } = await smtp.next(user.email, 'Confirm your email address');
      const { client } = await logIn(app, 'body', user);
      expect((await client.post('/api/v1/auth/logout-all')).status).toBe(204);
      expectTokenInvalid(await app.client().post(VERIFY, { token }));
    });

    it('a reset link is refused once the address it went to is no longer the account’s', async () => {
      const { user, client } = await logInVerified(app, smtp);
      await app.client().post(FORGOT, { email: user.email });
      const reset = await smtp.next(user.email, 'Reset your password');
      const { token } = await startChange(user);
      expect((await app.client().post(VERIFY, { token })).status).toBe(204);
      expectTokenInvalid(await app.client().post(RESET, { token: reset.token, newPassword: NEW_PASSWORD }));
      expect((await client.get(ME)).status).toBe(200);
    });
  });

  describe('one live token per user and kind', () => {
    it('the database refuses a second token of a kind for one user', async () => {
      const user = await registerUser(app);
      const insert = (hash: string) =>
        app.dataSource.query(
          `INSERT INTO account_tokens (token_hash, user_id, kind, email, expires_at) VALUES ($1, $2, 'password_reset', $3, now() + interval '1 hour')`,
          [hash, user.id, user.email],
        );
      await insert('a'.repeat(64));
      await expect(insert('b'.repeat(64))).rejects.toThrow(/unique|duplicate/i);
    });

    it('five forgot-password requests at once leave one working link', async () => {
      const { user } = await logInVerified(app, smtp);
      const answers = await Promise.all(Array.from({ length: 5 }, () => app.client().post(FORGOT, { email: user.email })));
      expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
      const mails = await Promise.all([1, 2, 3, 4, 5].map((count) => smtp.next(user.email, 'Reset your password', count)));
      const [{ live }] = await app.dataSource.query(`SELECT count(*)::int AS live FROM account_tokens WHERE user_id = $1 AND kind = 'password_reset'`, [user.id]);
      expect(live).toBe(1);
      const resets = [];
      for (const mail of mails) resets.push((await app.client().post(RESET, { token: mail.token, newPassword: NEW_PASSWORD })).status);
      expect(resets.filter((status) => status === 204)).toHaveLength(1);
    });
  });

  describe('a burst of requests with one reset token', () => {
    it('costs one password hash and sets the password once', async () => {
      const { user } = await logInVerified(app, smtp);
      await app.client().post(FORGOT, { email: user.email });
      const { token } = await smtp.next(user.email, 'Reset your password');
      const hash = jest.spyOn(app.app.get(PasswordHasher), 'hash');
      try {
        const answers = await Promise.all(Array.from({ length: 10 }, () => app.client().post(RESET, { token, newPassword: NEW_PASSWORD })));
        expect(answers.map((answer) => answer.status).sort()).toEqual([204, ...Array<number>(9).fill(400)]);
        expect(hash).toHaveBeenCalledTimes(1);
      } finally {
        hash.mockRestore();
      }
      expect((await app.client().post('/api/v1/auth/login', { email: user.email, password: NEW_PASSWORD })).status).toBe(200);
    });

    it('a request refused by the hashing queue (503) leaves the link usable', async () => {
      const { user } = await logInVerified(app, smtp);
      await app.client().post(FORGOT, { email: user.email });
      const { token } = await smtp.next(user.email, 'Reset your password');
      const full = new AppError('SERVICE_UNAVAILABLE', 'Too many password checks at once; try again shortly', { retryAfterSeconds: 1 });
      const refused = jest.spyOn(app.app.get(PasswordHasher), 'hash').mockRejectedValueOnce(full);
      try {
        expectError(await app.client().post(RESET, { token, newPassword: NEW_PASSWORD }), 503, 'SERVICE_UNAVAILABLE');
      } finally {
        refused.mockRestore();
      }
      expect((await app.client().post(RESET, { token, newPassword: NEW_PASSWORD })).status).toBe(204);
    });
  });
});
