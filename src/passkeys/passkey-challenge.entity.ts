import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users';

export type PasskeyCeremony = 'registration' | 'authentication';

/**
 * A WebAuthn challenge handed out with options and not answered yet: kept in
 * the database so that every instance can take the answer, used once.
 */
@Entity({ name: 'passkey_challenges' })
@Index('IDX_passkey_challenges_expires_at', ['expiresAt'])
export class PasskeyChallenge {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  ceremony: PasskeyCeremony;

  /** The account adding a passkey; null for a sign-in, which names no account. */
  @Index('IDX_passkey_challenges_user_id')
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'passkey_challenges_user_id_fkey' })
  user?: User;

  /** base64url, as it comes back in clientDataJSON. */
  @Column({ type: 'varchar', length: 64 })
  challenge: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
