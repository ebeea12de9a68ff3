import type { DataSource } from 'typeorm';

/**
 * Waits until the service's mail sender has taken every queued mail (sent,
 * given up or dropped it): the sender works on its own clock, apart from the
 * requests that queue mail. Polls for up to 30 s.
 */
export async function outboxDrained(dataSource: DataSource): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    const [{ queued }] = await dataSource.query<Array<{ queued: number }>>('SELECT count(*)::int AS queued FROM mail_outbox');
    if (queued === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the mail outbox did not drain within 30 s');
}
