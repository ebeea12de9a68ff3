import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { StatementPart } from '../cache/statement-part';
import { MailKind } from './mail-kinds';
import { MailMessage } from './mail-message';
import type { OutboxMail } from './outbox-mail.entity';

export interface QueuedMail {
  kind: MailKind;
  to: string;
  /** The account the mail is about. */
  userId?: string;
  payload?: Record<string, unknown>;
}

/**
 * Turns a queued mail into the message to deliver, in a transaction of its
 * own just before delivery (a link's token is made here), or answers null
 * when the mail is no longer wanted (the address changed, the change it
 * confirms was cancelled, ...).
 */
export type MailComposer = (mail: OutboxMail, manager: EntityManager) => Promise<MailMessage | null>;

/**
 * Outgoing mail: `queue` writes a mail into the outbox in the caller's
 * transaction; the sender delivers it later, apart from any request. The
 * module that owns a kind of mail says how to compose it (`composeWith`).
 */
@Injectable()
export class MailOutbox {
  private readonly composers = new Map<string, MailComposer>();

  async queue(mail: QueuedMail, manager: EntityManager): Promise<void> {
    await manager.query('INSERT INTO mail_outbox (kind, recipient, user_id, payload) VALUES ($1, $2, $3, $4)', [
      mail.kind,
      mail.to,
      mail.userId ?? null,
      JSON.stringify(mail.payload ?? {}),
    ]);
  }

  /**
   * The part of a larger statement that queues a mail of `kind` for each row
   * of its CTE `source` (columns `user_id` and `email`), for a decision made
   * and recorded in one statement.
   */
  queueFor(kind: MailKind): StatementPart {
    return { sql: (source, first) => `INSERT INTO mail_outbox (kind, recipient, user_id) SELECT $${first}, email, user_id FROM ${source}`, params: [kind] };
  }

  composeWith(kind: MailKind, composer: MailComposer): void {
    this.composers.set(kind, composer);
  }

  composerOf(kind: string): MailComposer | undefined {
    return this.composers.get(kind);
  }
}
