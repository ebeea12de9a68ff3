import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users';

/**
 * A mail to send: written in the transaction that decides to send it, removed
 * once it is delivered, given up on, or no longer wanted. It holds what the
 * mail is about, never a secret: a link's token is made when the mail is
 * composed, just before delivery.
 */
@Entity({ name: 'mail_outbox' })
@Index('IDX_mail_outbox_next_attempt_at', ['nextAttemptAt'])
export class OutboxMail {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'mail_outbox_pkey' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  kind: string;

  @Column({ type: 'varchar', length: 254 })
  recipient: string;

  /** The account the mail is about; its queued mails go with it when it is deleted. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'mail_outbox_user_id_fkey' })
  user?: User;

  /** What the composer of `kind` needs beyond the recipient (a new address for a notice, ...). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  payload: Record<string, unknown>;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  /** While an instance composes and delivers it; after this, another may take it (the first one died). */
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
