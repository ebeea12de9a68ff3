import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InsertionOrderColumn } from '../database/newest-first';

export const AUDIT_ACTIONS = ['roles_changed', 'user_disabled', 'user_enabled', 'mfa_reset', 'sessions_ended', 'user_deleted'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an entry adds to its action: the roles before and after, the address of a deleted account, ... */
export type AuditDetails = Record<string, string | number | boolean | string[] | null>;

/**
 * One admin action, written in the transaction of the action itself. The
 * table is append-only (a trigger refuses UPDATE and DELETE), and names users
 * without a foreign key, so that deleting a user keeps the entries about them.
 */
@Entity({ name: 'audit_log' })
@Index('IDX_audit_log_seq', ['seq'])
@Index('IDX_audit_log_actor_seq', ['actorId', 'seq'])
@Index('IDX_audit_log_target_seq', ['targetId', 'seq'])
export class AuditEntry {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The order of writing: pages are cut by it, newest first. */
  @InsertionOrderColumn()
  seq: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  /** The admin who acted; null for the command line (details.via says which command). */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar', length: 32 })
  action: AuditAction;

  @Column({ name: 'target_id', type: 'uuid', nullable: true })
  targetId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ type: 'jsonb', nullable: true })
  details: AuditDetails | null;
}
