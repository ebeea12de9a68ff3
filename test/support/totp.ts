import { Secret, TOTP } from 'otpauth';
import type { DataSource } from 'typeorm';
import { ApiClient, ApiResponse } from './api-client';

/** The TOTP period the service uses (30 s). */
export const TOTP_STEP_MS = 30_000;

const MFA = '/api/v1/users/me/mfa';

/** The code of `secret` at `timestamp` (ms), as an authenticator app computes it (otpauth: SHA-1, 6 digits, 30 s). */
export function totpCode(secret: string, timestamp: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp });
}

/** Six digits that are the code of none of the steps around `timestamp` (two either side): wrong whatever the server's window. */
export function wrongTotpCode(secret: string, timestamp: number): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(secret, timestamp + steps * TOTP_STEP_MS)));
  for (let candidate = 0; ; candidate++) {
    const code = String((candidate * 137_911 + 424_242) % 1_000_000).padStart(6, '0');
    if (!near.has(code)) return code;
  }
}

/** Throws (failing the test at its set-up) when a step did not answer as expected. */
export function expectStatus(name: string, response: ApiResponse, status: number): ApiResponse {
  if (response.status !== status) throw new Error(`${name}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  return response;
}

/** How the session of `client` was signed in, as its own session list says. */
export async function currentSession(client: ApiClient): Promise<{ aal: string; amr: string[] }> {
  const response = expectStatus('sessions', await client.get('/api/v1/auth/sessions'), 200);
  return (response.body as Array<{ current: boolean; aal: string; amr: string[] }>).find((item) => item.current)!;
}

export interface EnabledTotp {
  secret: string;
  recoveryCodes: string[];
  /** The code that confirmed the enrolment: its time step counts as used. */
  confirmCode: string;
}

/**
 * Enrols and confirms TOTP over HTTP for the user `client` is signed in as,
 * with the code of the service's time `now`: the session of `client` is aal2
 * from then on, and every other session of the user has ended.
 */
export async function enableTotp(client: ApiClient, password: string, now: number): Promise<EnabledTotp> {
  const enrolment = expectStatus('enrol TOTP', await client.post(`${MFA}/totp`, { password }), 200);
  const secret: string = enrolment.body.secret;
  const confirmCode = totpCode(secret, now);
  const confirmed = expectStatus('confirm TOTP', await client.post(`${MFA}/totp/confirm`, { code: confirmCode }), 200);
  return { secret, recoveryCodes: confirmed.body.recoveryCodes, confirmCode };
}

/**
 * Keeps a copy of every mail queued in `mail_outbox` (kind, recipient, user)
 * in a table of the test's own: the sender deletes outbox rows once delivered,
 * and a row in the copy shows that the transaction that queued it committed.
 */
export async function recordQueuedMails(dataSource: Pick<DataSource, 'query'>): Promise<void> {
  await dataSource.query('CREATE TABLE test_mail_log (id serial PRIMARY KEY, kind text NOT NULL, recipient text, user_id text)');
  await dataSource.query(
    `CREATE FUNCTION test_mail_log_insert() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN INSERT INTO test_mail_log (kind, recipient, user_id) VALUES (NEW.kind, NEW.recipient, NEW.user_id::text); RETURN NEW; END
     $$`,
  );
  await dataSource.query('CREATE TRIGGER test_mail_log_insert AFTER INSERT ON mail_outbox FOR EACH ROW EXECUTE FUNCTION test_mail_log_insert()');
}

/** The mails queued for `userId` since recordQueuedMails, oldest first. */
export function queuedMails(dataSource: Pick<DataSource, 'query'>, userId: string): Promise<Array<{ kind: string; recipient: string }>> {
  return dataSource.query('SELECT kind, recipient FROM test_mail_log WHERE user_id = $1 ORDER BY id', [userId]);
}
