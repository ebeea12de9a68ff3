import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users';

/** A WebAuthn credential registered to an account: its public key and what the authenticator last said about it. */
@Entity({ name: 'passkeys' })
@Index('IDX_passkeys_user_id', ['userId'])
export class Passkey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'passkeys_user_id_fkey' })
  user?: User;

  /** The credential ID, base64url, as authenticators send it back. */
  @Index('UQ_passkeys_credential_id', { unique: true })
  @Column({ name: 'credential_id', type: 'varchar', length: 1400 })
  credentialId: string;

  /** The COSE public key. */
  @Column({ name: 'public_key', type: 'bytea' })
  publicKey: Buffer;

  /** The authenticator's signature counter (0 for those that keep none); a string on both drivers. */
  @Column({
    type: 'bigint',
    default: 0,
    transformer: { from: (value: string | number) => Number(value), to: (value: number) => value },
  })
  counter: number;

  @Column({ type: 'varchar', length: 16, array: true, default: () => "'{}'" })
  transports: string[];

  /** `singleDevice` or `multiDevice` (a synced passkey). */
  @Column({ name: 'device_type', type: 'varchar', length: 16 })
  deviceType: string;

  @Column({ name: 'backed_up', type: 'boolean' })
  backedUp: boolean;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
