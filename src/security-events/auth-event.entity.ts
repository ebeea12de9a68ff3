import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users';
import { InsertionOrderColumn } from '../database/newest-first';

export const AUTH_EVENT_TYPES = [
  'register',
  'login_succeeded',
  'login_failed',
  'refresh',
  'refresh_reuse_detected',
  'logout',
  'logout_all',
  'session_revoked',
  'password_changed',
  'password_reset_requested',
  'password_reset',
  'email_verified',
  'email_change_requested',
  'email_changed',
  'mfa_enabled',
  'mfa_disabled',
  'mfa_failed',
  'mfa_locked',
  'mfa_reset',
  'recovery_code_used',
  'recovery_codes_regenerated',
  'passkey_added',
  'passkey_removed',
  'passkey_clone_suspected',
  'identity_linked',
  'identity_unlinked',
] as const;

export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

/** One security event of a user; append-only (a trigger refuses updates). */
@Entity({ name: 'auth_events' })
// The migration makes it (user_id, seq DESC); TypeORM cannot express the order, and compares the columns only.
@Index('IDX_auth_events_user_seq', ['userId', 'seq'])
export class AuthEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Insertion order: the paging cursor. */
  @InsertionOrderColumn()
  seq: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'auth_events_user_id_fkey' })
  user?: User;

  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  @Column({ type: 'varchar', length: 32 })
  type: AuthEventType;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  /** How the session was started, for `login_succeeded`. */
  @Column({ type: 'varchar', length: 16, array: true, nullable: true })
  amr: string[] | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false })
  createdAt: Date;
}
