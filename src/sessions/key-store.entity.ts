import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { AssuranceLevel, AuthMethod } from '../common/authenticated-user';
import { User } from '../users';

export type { AssuranceLevel, AuthMethod };

export type SessionStatus = 'active' | 'revoked';

export type RevokedReason =
  | 'logout'
  | 'logout_all'
  | 'session_revoked'
  | 'password_changed'
  | 'password_reset'
  | 'refresh_reuse'
  | 'admin'
  | 'roles_changed'
  | 'account_disabled'
  | 'session_limit'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'mfa_reset';

/**
 * One row per session (login). Keys are stored only as SHA-256 hashes; the
 * previous refresh key's hash and `rotatedAt` serve the grace window and theft
 * detection.
 */
@Entity({ name: 'key_store' })
@Index('IDX_key_store_user_id', ['userId'])
export class KeyStore {
  /** The `sid` claim. */
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'key_store_user_id_fkey' })
  user?: User;

  @Column({ type: 'integer', default: 1 })
  generation: number;

  @Column({ name: 'access_key_hash', type: 'varchar', length: 64 })
  accessKeyHash: string;

  @Column({ name: 'refresh_key_hash', type: 'varchar', length: 64 })
  refreshKeyHash: string;

  @Column({ name: 'previous_refresh_key_hash', type: 'varchar', length: 64, nullable: true })
  previousRefreshKeyHash: string | null;

  /** Random salt of the current generation: with the previous refresh key it rebuilds the current keys. */
  @Column({ name: 'rotation_salt', type: 'varchar', length: 64, nullable: true })
  rotationSalt: string | null;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;

  @Column({ name: 'csrf_token_hash', type: 'varchar', length: 64 })
  csrfTokenHash: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: SessionStatus;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true })
  revokedReason: RevokedReason | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', default: () => 'now()' })
  lastUsedAt: Date;

  /** Idle expiry: each refresh extends it, never past `maxExpiresAt`. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** Absolute expiry, fixed at login. */
  @Column({ name: 'max_expires_at', type: 'timestamptz' })
  maxExpiresAt: Date;

  @Column({ type: 'varchar', length: 4 })
  aal: AssuranceLevel;

  @Column({ type: 'varchar', length: 16, array: true })
  amr: AuthMethod[];

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;
}
