import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users';

export const ACCOUNT_TOKEN_KINDS = ['password_reset', 'email_verification', 'email_change'] as const;
export type AccountTokenKind = (typeof ACCOUNT_TOKEN_KINDS)[number];

/**
 * A mailed single-use token: a password reset, the verification of the
 * address, or the confirmation of a new one. Only its SHA-256 hash is kept;
 * a user has at most one of each kind (a newer one replaces the older), and it
 * works only for the address it was mailed to and until the account is next
 * secured (`securityStamp`).
 */
@Entity({ name: 'account_tokens' })
@Index('UQ_account_tokens_user_kind', ['userId', 'kind'], { unique: true })
export class AccountToken {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64, primaryKeyConstraintName: 'account_tokens_pkey' })
  tokenHash: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'account_tokens_user_id_fkey' })
  user?: User;

  @Column({ type: 'varchar', length: 32 })
  kind: AccountTokenKind;

  /** The address the token was mailed to: the one it verifies, or the new one it confirms. */
  @Column({ type: 'varchar', length: 254 })
  email: string;

  /** The user's `securityStamp` when the token was issued. */
  @Column({ name: 'security_stamp', type: 'integer', default: 0 })
  securityStamp: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** A reset being carried out with this token holds it until then (others are refused meanwhile). */
  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true })
  claimedUntil: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
