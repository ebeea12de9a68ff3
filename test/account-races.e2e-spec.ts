import { randomUUID } from 'node:crypto';
import { ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { ServiceProcess, startSecondInstance } from './support/service-process';
import { outboxDrained } from './support/outbox';
import { SmtpReceiver } from './support/smtp-receiver';
import { startTestApp, TestApp } from './support/test-app';
import { logInVerified } from './support/users';

const FORGOT = '/api/v1/auth/password/forgot';
const RESET = '/api/v1/auth/password/reset';
const VERIFY = '/api/v1/auth/email/verify';
const CHANGE_EMAIL = '/api/v1/users/me/email';
const NEW_PASSWORD = 'a new and much better passphrase';
const TRIALS = 8;

const mailbox = () => `user-${randomUUID()}@example.com`;

/**
 * Requests that race on one account: on PostgreSQL through two instances of
 * the service (this process's app and a second process on the same
 * database), on the embedded database through the one instance. However they
 * interleave, a link works only for the address it went to, one token of a
 * kind is live, and nothing answers 500.
 */
describe('races on one account', () => {
  const smtp = new SmtpReceiver();
  let app: TestApp;
  let second: ServiceProcess | undefined;
  /** The instance that takes the other half of each race. */
  let other: Pick<TestApp, 'client'>;

  beforeAll(async () => {
    const smtpUrl = await smtp.start();
    app = await startTestApp({ SMTP_URL: smtpUrl });
    if (app.config.databaseUrl) second = await startSecondInstance(app);
    other = second ?? app;
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
    await app?.close();
    await smtp.stop();
  });

  function expectNo500(responses: ApiResponse[]): void {
    expect(responses.map((response) => response.status).filter((status) => status >= 500)).toEqual([]);
  }

  it(`a reset link mailed to the old address never works once the address has changed (${TRIALS} races of forgot-password with the confirmation)`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const { user, client } = await logInVerified(app, smtp);
      const target = mailbox();
      expect((await client.post(CHANGE_EMAIL, { newEmail: target, password: user.password })).status).toBe(202);
      const { token } = await smtp.next(target, 'Confirm your new email address');

      const answers = await Promise.all([
        other.client().post(FORGOT, { email: user.email }),
        app.client().post(VERIFY, { token }),
        other.client().post(FORGOT, { email: user.email }),
      ]);
      expectNo500(answers);
      expect(answers[1].status).toBe(204);
      await outboxDrained(app.dataSource);
      for (const reset of smtp.for(user.email).filter((mail) => mail.subject.includes('Reset your password'))) {
        expectError(await app.client().post(RESET, { token: reset.token, newPassword: NEW_PASSWORD }), 400, 'TOKEN_INVALID');
      }
      expect((await client.get('/api/v1/users/me')).body.email).toBe(target);
    }
  });

  it('five forgot-password requests across the instances leave one working link', async () => {
    const { user } = await logInVerified(app, smtp);
    const answers = await Promise.all([app, other, app, other, app].map((instance) => instance.client().post(FORGOT, { email: user.email })));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    const mails = await Promise.all([1, 2, 3, 4, 5].map((count) => smtp.next(user.email, 'Reset your password', count)));
    const statuses: number[] = [];
    for (const mail of mails) statuses.push((await app.client().post(RESET, { token: mail.token, newPassword: NEW_PASSWORD })).status);
    expect(statuses.filter((status) => status === 204)).toHaveLength(1);
  });

  it('two changes of address at once across the instances leave one pending address, whose link alone works', async () => {
    const { user, client } = await logInVerified(app, smtp);
    const targets = [mailbox(), mailbox()];
    const bearer = client.bearer!;
    const otherClient = other.client();
    otherClient.bearer = bearer;
    const answers = await Promise.all([
      client.post(CHANGE_EMAIL, { newEmail: targets[0], password: user.password }),
      otherClient.post(CHANGE_EMAIL, { newEmail: targets[1], password: user.password }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    const pending = (await client.get('/api/v1/users/me')).body.pendingEmail;
    expect(targets).toContain(pending);
    await outboxDrained(app.dataSource);
    const statuses: Record<string, number> = {};
    for (const target of targets) {
      for (const mail of smtp.for(target)) statuses[target] = (await app.client().post(VERIFY, { token: mail.token })).status;
    }
    expect(statuses[pending]).toBe(204);
    const loser = targets.find((target) => target !== pending)!;
    expect(statuses[loser] ?? 400).toBe(400);
    expect((await client.get('/api/v1/users/me')).body.email).toBe(pending);
  });

  it('resets and password changes racing on one account all answer, none with 500', async () => {
    const { user, client } = await logInVerified(app, smtp);
    await app.client().post(FORGOT, { email: user.email });
    const { token } = await smtp.next(user.email, 'Reset your password');
    const otherClient = other.client();
    otherClient.bearer = client.bearer;
    const answers = await Promise.all([
      app.client().post(RESET, { token, newPassword: NEW_PASSWORD }),
      otherClient.post('/api/v1/auth/logout-all'),
      client.post(CHANGE_EMAIL, { newEmail: mailbox(), password: user.password }),
      other.client().post(FORGOT, { email: user.email }),
    ]);
    expectNo500(answers);
  });
});
