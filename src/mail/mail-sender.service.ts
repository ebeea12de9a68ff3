import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { sleep } from '../database/connectivity/backoff';
import { DatabaseConnectivity } from '../database/connectivity/database-connectivity.service';
import { transactionWithRetry } from '../database/transactions';
import { Metrics } from '../metrics/metrics.service';
import { MailConfig, mailConfig } from './mail.config';
import { MailOutbox } from './mail-outbox.service';
import { MAIL_TRANSPORT, MailTransport } from './mail-transport';
import { OutboxMail } from './outbox-mail.entity';

/**
 * How often the outbox is looked at. The sender wakes on its own clock, never
 * because a request queued a mail: the work of composing and delivering a
 * mail must not follow the request that asked for it, or the timing of the
 * requests after it would tell a known address from an unknown one.
 */
const POLL_INTERVAL_MS = 500;
/** Mails taken and delivered at once: a slow SMTP server holds only these. */
const BATCH = 4;
/** A mail taken by an instance that died is taken again after this. */
const LEASE_SECONDS = 60;
/** Attempts per mail: about a minute of retries (1, 2, 4, 8, 16, 30 s) before giving up. */
const MAX_ATTEMPTS = 7;
/** On shutdown, how long mails being delivered may still take (the others stay queued). */
const SHUTDOWN_WAIT_MS = 5_000;

interface Claimed {
  queued: number;
  mails: OutboxMail[];
}

/**
 * Delivers the outbox: each instance takes due mails (skipping those another
 * instance holds), composes each in a transaction of its own, delivers it over
 * SMTP_URL or into the development outbox, and removes it. A failed attempt is
 * retried with exponential backoff; a mail still undelivered after
 * MAX_ATTEMPTS is given up (logged and counted). A crash loses nothing: the
 * mail is still in the table, and goes once its lease has run out.
 */
@Injectable()
export class MailSender implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = false;
  private queued = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: MailOutbox,
    private readonly connectivity: DatabaseConnectivity,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(mailConfig.KEY) private readonly config: MailConfig,
    private readonly metrics: Metrics,
  ) {
    metrics.gauge('auth_mail_queue_depth', 'Mails in the outbox: waiting to be delivered or retried', () => this.queued);
  }

  onApplicationBootstrap(): void {
    this.logger.log(`Mail from ${this.config.mail.from} goes to the ${this.transport.description}`);
    this.timer = setInterval(() => {
      this.round ??= this.deliverDue().finally(() => (this.round = undefined));
    }, POLL_INTERVAL_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const finished = await Promise.race([this.round?.then(() => true) ?? true, sleep(SHUTDOWN_WAIT_MS).then(() => false)]);
    if (!finished) this.logger.warn('Mails being delivered at shutdown stay in the outbox; they go once their lease has run out');
    this.transport.close();
  }

  /** Takes and delivers due mails, batch after batch, until none is left. */
  private async deliverDue(): Promise<void> {
    if (!this.connectivity.available) return;
    try {
      let claimed: Claimed;
      do {
        if (this.stopped) return;
        claimed = await this.claim();
        this.queued = claimed.queued;
        await Promise.all(claimed.mails.map((mail) => this.deliver(mail)));
      } while (claimed.mails.length === BATCH);
    } catch (error) {
      // The database may be down right now: the mails stay queued for a later round.
      this.logger.debug(`Outbox not read: ${(error as Error).message}`);
    }
  }

  private async claim(): Promise<Claimed> {
    const [row] = await this.dataSource.query<Array<{ queued: number; mails: Array<Record<string, unknown>> }>>(
      `WITH due AS (
         SELECT id FROM mail_outbox
          WHERE next_attempt_at <= now() AND (locked_until IS NULL OR locked_until <= now())
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
       ),
       claimed AS (
         UPDATE mail_outbox SET locked_until = now() + make_interval(secs => $2), attempts = mail_outbox.attempts + 1
           FROM due WHERE mail_outbox.id = due.id
         RETURNING mail_outbox.id::text AS id, kind, recipient, user_id AS "userId", payload, mail_outbox.attempts
       )
       SELECT (SELECT count(*) FROM mail_outbox)::int AS queued, coalesce((SELECT json_agg(claimed ORDER BY id) FROM claimed), '[]') AS mails`,
      [BATCH, LEASE_SECONDS],
    );
    const mails = typeof row.mails === 'string' ? (JSON.parse(row.mails) as Array<Record<string, unknown>>) : row.mails;
    return { queued: row.queued, mails: mails.map((mail) => Object.assign(new OutboxMail(), mail)) };
  }

  private async deliver(mail: OutboxMail): Promise<void> {
    const { kind } = mail;
    try {
      const composer = this.outbox.composerOf(kind);
      if (!composer) throw new Error(`no composer for mails of kind ${kind}`);
      const message = await transactionWithRetry(this.dataSource, (manager) => composer(mail, manager));
      if (message) await this.transport.deliver(message);
      await this.dataSource.query('DELETE FROM mail_outbox WHERE id = $1', [mail.id]);
      this.metrics.mails.inc({ kind, outcome: message ? 'sent' : 'cancelled' });
    } catch (error) {
      await this.retryLater(mail, error instanceof Error ? error.message : String(error));
    }
  }

  private async retryLater(mail: OutboxMail, reason: string): Promise<void> {
    const { kind, attempts } = mail;
    const given = attempts >= MAX_ATTEMPTS;
    try {
      if (given) await this.dataSource.query('DELETE FROM mail_outbox WHERE id = $1', [mail.id]);
      else
        await this.dataSource.query('UPDATE mail_outbox SET next_attempt_at = now() + make_interval(secs => $2), locked_until = NULL WHERE id = $1', [
          mail.id,
          retryDelaySeconds(attempts),
        ]);
    } catch {
      // Left as it is: its lease runs out and the next round takes it again.
    }
    this.metrics.mails.inc({ kind, outcome: given ? 'failed' : 'retried' });
    if (given) this.logger.error(`${kind} mail not delivered after ${attempts} attempts: ${reason}`);
    else this.logger.warn(`${kind} mail not delivered (attempt ${attempts}): ${reason}; retrying in ${retryDelaySeconds(attempts)} s`);
  }
}

/** 1, 2, 4, 8, 16, 30 s after attempts 1 to 6. */
function retryDelaySeconds(attempts: number): number {
  return Math.min(30, 2 ** (attempts - 1));
}
