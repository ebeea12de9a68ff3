import { Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users';

/**
 * The WebAuthn user handle of an account: random, so that authenticators and
 * discoverable sign-ins never carry the account's id or email.
 */
@Entity({ name: 'passkey_user_handles' })
export class PasskeyUserHandle {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'passkey_user_handles_user_id_fkey' })
  user?: User;

  /** base64url of 32 random bytes. */
  @Index('UQ_passkey_user_handles_handle', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  handle: string;
}
