import { freePort } from './support/free-port';
import { ServiceProcess, serviceEnv, sharedKeysDir } from './support/service-process';
import { SmtpReceiver } from './support/smtp-receiver';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { registerUser } from './support/users';

/**
 * Mail goes through a table written in the transaction that decides to send
 * it, so an instance killed before delivering loses nothing: the restarted
 * one (or any other) sends it.
 */
describe('the mail outbox across a crash', () => {
  const smtp = new SmtpReceiver();
  let database: TestDatabase;
  let keys: ReturnType<typeof sharedKeysDir>;
  beforeAll(async () => {
    database = await createTestDatabase();
    keys = sharedKeysDir();
  });
  afterAll(async () => {
    await smtp.stop();
    await database?.drop();
    keys?.remove();
  });

  it('a reset mail queued by an instance killed (-9) before sending it goes out once the service is back', async () => {
    const port = await freePort();
    // The first instance cannot reach a mail server (a closed port): whatever it queued stays undelivered.
    const env = serviceEnv(database.databaseUrl ?? '', keys.dir, { SMTP_URL: 'smtp://127.0.0.1:9' });
    const first = await ServiceProcess.start(env, port);
    const user = await registerUser(first);
    expect((await first.client().post('/api/v1/auth/password/forgot', { email: user.email })).status).toBe(202);
    first.signal('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = await ServiceProcess.start({ ...env, SMTP_URL: await smtp.start() }, port);
    try {
      const reset = await smtp.next(user.email, 'Reset your password');
      expect(reset.link).toMatch(/\/reset-password\?token=/);
      // The verification mail failed against the closed port, perhaps several times on a slow machine: it waits
      // out its backoff (at most 30 s) and then goes too.
      const verification = await smtp.next(user.email, 'Confirm your email address', 1, 45_000);
      expect(verification.token).not.toBe(reset.token);
      const answer = await second.client().post('/api/v1/auth/password/reset', { token: reset.token, newPassword: 'a new and much better passphrase' });
      expect(answer.status).toBe(204);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
