import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users';

const bigintAsNumber = { from: (value: string | number | null) => (value == null ? null : Number(value)), to: (value: unknown) => value };

/** A user's TOTP factor: pending until a first code confirms it (`enabledAt`). */
@Entity({ name: 'mfa_totp' })
export class TotpFactor {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'mfa_totp_user_id_fkey' })
  user?: User;

  /** The base32 secret, sealed with MFA_ENCRYPTION_KEY (MfaKeys); never stored in clear. */
  @Column({ type: 'text' })
  secret: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'enabled_at', type: 'timestamptz', nullable: true })
  enabledAt: Date | null;

  /** The last time step accepted: a code of this step or an earlier one is refused (no replay). */
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  lastUsedStep: number | null;

  /** Wrong codes of the last 15 minutes: the tenth locks the factor. */
  @Column({ name: 'recent_failures', type: 'timestamptz', array: true, default: () => "'{}'" })
  recentFailures: Date[];

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;
}
