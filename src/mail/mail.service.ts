import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Backoff, sleep } from '../database/connectivity/backoff';
import { Metrics } from '../metrics/metrics.service';
import { MailConfig, mailConfig } from './mail.config';
import { MailMessage } from './mail-message';
import { MAIL_TRANSPORT, MailTransport } from './mail-transport';

/** Attempts per mail: about a minute of retries (1, 2, 4, 8, 16, 30 s) before giving up. */
const MAX_ATTEMPTS = 7;
/** Mails delivered at once: a slow SMTP server holds only these. */
const CONCURRENCY = 4;
/** On shutdown, how long mails being delivered may still take. */
const SHUTDOWN_WAIT_MS = 5_000;

interface Job {
  message: MailMessage;
  attempt: number;
  backoff: Backoff;
}

/**
 * Sends mail in the background: `send` queues and returns at once, so a slow
 * or broken SMTP server never holds or fails a request. A failed delivery is
 * retried with exponential backoff, logged and counted; mails still queued
 * when the process ends are lost (the user asks again), which is logged.
 */
@Injectable()
export class MailService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly ready: Job[] = [];
  private readonly waiting = new Set<NodeJS.Timeout>();
  private readonly delivering = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(mailConfig.KEY) private readonly config: MailConfig,
    private readonly metrics: Metrics,
  ) {
    metrics.gauge('auth_mail_queue_depth', 'Mails waiting to be delivered or retried', () => this.depth());
  }

  onModuleInit(): void {
    this.logger.log(`Mail from ${this.config.mail.from} goes to the ${this.transport.description}`);
  }

  /** Queues a mail; call it once the change it tells of has committed. */
  send(message: MailMessage): void {
    if (this.stopped) return this.logger.warn(`${message.kind} mail for ${message.to} not sent: the service is stopping`);
    this.ready.push({ message, attempt: 0, backoff: new Backoff(1000, 30_000) });
    // After the response has gone: composing a mail is work that only some requests (a known address) would do.
    setImmediate(() => this.pump());
  }

  /** Mails not yet delivered: queued, being delivered, or waiting to be retried. */
  depth(): number {
    return this.ready.length + this.delivering.size + this.waiting.size;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.waiting) clearTimeout(timer);
    const lost = this.ready.length + this.waiting.size;
    this.ready.length = 0;
    this.waiting.clear();
    await Promise.race([Promise.allSettled([...this.delivering]), sleep(SHUTDOWN_WAIT_MS)]);
    if (lost > 0) this.logger.warn(`${lost} mail(s) not delivered before shutdown`);
    this.transport.close();
  }

  private pump(): void {
    while (!this.stopped && this.delivering.size < CONCURRENCY && this.ready.length > 0) {
      const job = this.ready.shift()!;
      const delivery = this.attempt(job).finally(() => {
        this.delivering.delete(delivery);
        this.pump();
      });
      this.delivering.add(delivery);
    }
  }

  private async attempt(job: Job): Promise<void> {
    const { kind, to } = job.message;
    job.attempt++;
    try {
      await this.transport.deliver(job.message);
      this.metrics.mails.inc({ kind, outcome: 'sent' });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (job.attempt >= MAX_ATTEMPTS || this.stopped) {
        this.metrics.mails.inc({ kind, outcome: 'failed' });
        this.logger.error(`${kind} mail for ${to} not delivered after ${job.attempt} attempts: ${reason}`);
        return;
      }
      const delayMs = job.backoff.next();
      this.metrics.mails.inc({ kind, outcome: 'retried' });
      this.logger.warn(`${kind} mail for ${to} not delivered (attempt ${job.attempt}): ${reason}; retrying in ${Math.round(delayMs / 1000)} s`);
      const timer = setTimeout(() => {
        this.waiting.delete(timer);
        this.ready.push(job);
        this.pump();
      }, delayMs);
      this.waiting.add(timer);
    }
  }
}
