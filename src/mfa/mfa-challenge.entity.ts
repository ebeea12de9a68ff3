import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { AuthMethod } from '../common/authenticated-user';
import { User } from '../users';

/** A sign-in that passed its first factor and waits for the second: what an MFA token names. */
@Entity({ name: 'mfa_challenges' })
@Index('IDX_mfa_challenges_user_id', ['userId'])
export class MfaChallenge {
  @PrimaryColumn('uuid')
  id: string;

  /** SHA-256 of the MFA token handed to the client. */
  @Index('UQ_mfa_challenges_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'mfa_challenges_user_id_fkey' })
  user?: User;

  /** The methods already used (`pwd`, `fed`): the session gets them with the second factor's. */
  @Column({ type: 'varchar', length: 16, array: true })
  amr: AuthMethod[];

  @Column({ name: 'failed_attempts', type: 'integer', default: 0 })
  failedAttempts: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
