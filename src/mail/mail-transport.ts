import { Logger } from '@nestjs/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport, SendMailOptions, Transporter } from 'nodemailer';
import type { MailConfig } from './mail.config';
import type { MailMessage } from './mail-message';

export const MAIL_TRANSPORT = Symbol('MailTransport');

/** Delivers one mail or throws. */
export interface MailTransport {
  readonly description: string;
  deliver(message: MailMessage): Promise<void>;
  close(): void;
}

/** How long a dead or stalled SMTP server may hold one attempt. */
const SMTP_TIMEOUT_MS = 10_000;

export function mailTransport(config: MailConfig['mail']): MailTransport {
  return config.smtpUrl ? new SmtpTransport(config.smtpUrl, config.from) : new OutboxTransport(config.outboxDir, config.from, config.logLinks);
}

class SmtpTransport implements MailTransport {
  readonly description: string;
  private readonly transporter: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    const parsed = new URL(url);
    this.description = `SMTP server ${parsed.hostname}:${parsed.port || (parsed.protocol === 'smtps:' ? 465 : 587)}`;
    this.transporter = createTransport(url, {
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    });
  }

  async deliver(message: MailMessage): Promise<void> {
    await this.transporter.sendMail(addressed(message, this.from));
  }

  close(): void {
    this.transporter.close();
  }
}

/**
 * Development without an SMTP server: each mail is a complete RFC 5322 message
 * in `DATA_DIR/outbox/<time>-<to>.eml`, which any mail client opens.
 */
class OutboxTransport implements MailTransport {
  readonly description: string;
  private readonly logger = new Logger('Mail');
  private readonly composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  private lastTime = 0;

  constructor(
    private readonly dir: string,
    private readonly from: string,
    private readonly logLinks: boolean,
  ) {
    this.description = `outbox ${dir} (SMTP_URL is not set)`;
  }

  async deliver(message: MailMessage): Promise<void> {
    const { message: eml } = (await this.composer.sendMail(addressed(message, this.from))) as { message: Buffer };
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${this.nextTime()}-${message.to.replace(/[^a-z0-9@._+-]/gi, '_')}.eml`);
    writeFileSync(file, eml, { mode: 0o600 });
    const link = this.logLinks && message.link ? `: ${message.link}` : '';
    this.logger.log(`${message.subject} for ${message.to} written to ${file}${link}`);
  }

  close(): void {
    this.composer.close();
  }

  /** Milliseconds since the epoch, strictly increasing, so that names sort in the order the mails were written. */
  private nextTime(): number {
    this.lastTime = Math.max(Date.now(), this.lastTime + 1);
    return this.lastTime;
  }
}

/** What nodemailer is given for a mail: its parts, from the configured sender. */
function addressed(message: MailMessage, from: string): SendMailOptions {
  return { from, to: message.to, subject: message.subject, text: message.text, html: message.html };
}
