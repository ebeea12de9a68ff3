import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { recordAuditEntry } from '../admin';
import { AppModule } from '../app.module';
import { MfaService } from '../mfa';
import { normalizeEmail, User } from '../users';
import { runCli } from './run-cli';

const USAGE = `Usage: npm run users:mfa -- --email ann@example.com --reset
       (in the image: node dist/cli/user-mfa.js --email ... --reset)

Removes the second factor (TOTP and recovery codes) of a user who lost both
the device and the codes, as an admin's reset does: every session of the user
ends, mailed links stop working, the event mfa_reset is recorded and a notice
is mailed to the user, and the audit log records it. Works on the database the service is configured for
(DATABASE_URL, else the embedded one under DATA_DIR: stop the service first,
the embedded database serves one process); running instances drop the ended
sessions within a second.`;

/** Who did it, as the security event and the audit log record it. */
const CLIENT = { ip: null, userAgent: 'users:mfa (command line)' };

runCli(async () => {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      reset: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE);
  if (!values.email || !values.reset) {
    console.error(USAGE);
    process.exitCode = 1;
    return;
  }
  const email = normalizeEmail(values.email);

  // The service itself, without HTTP: the reset is MfaService's, with everything that goes with it
  // (ending sessions, voiding tokens, the event, the mail, the invalidations running instances hear of).
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ logger: pino({ level: 'silent' }) }), {
    logger: false,
    // A failed boot is thrown (runCli prints its one line), not logged and aborted.
    abortOnError: false,
  });
  try {
    const user = await app.get(DataSource).getRepository(User).findOneBy({ email });
    if (!user) throw new Error(`No user with email ${email}`);
    const removed = await app
      .get(MfaService)
      .reset(user.id, CLIENT, (manager) =>
        recordAuditEntry(manager, { actorId: null, ip: null }, { action: 'mfa_reset', targetId: user.id, details: { via: CLIENT.userAgent } }, new Date()),
      );
    console.log(removed ? `${email}: second factor removed; every session ended` : `${email} had no second factor; nothing changed`);
  } finally {
    await app.close();
  }
});
