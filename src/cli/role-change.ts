import { DataSource } from 'typeorm';
import { AuditEntry, recordAuditEntry } from '../admin';
import { InvalidationKeys } from '../cache/invalidation-keys';
import { queueInvalidations } from '../cache/invalidation-outbox';
import { AuthEvent } from '../security-events';
import { KeyStore, revokeActiveSessionsOf } from '../sessions';
import { normalizeEmail, sameRoles, User } from '../users';

/** The entities a DataSource needs for changeRoles (the CLI's lists no others). */
export const ROLE_CHANGE_ENTITIES = [User, KeyStore, AuthEvent, AuditEntry];

export interface RoleChange {
  email: string;
  add: string[];
  remove: string[];
  /** Whether running instances learn of it through the `cache_invalidations` outbox (PostgreSQL; the embedded database has one instance, stopped meanwhile). */
  queueInvalidations: boolean;
}

export type RoleChangeResult = { found: false } | { found: true; roles: string[]; changed: boolean; sessionsEnded: number };

/** `current` without `remove`, then `add`'s new roles: order kept, no duplicates. */
export function resultingRoles(current: string[], add: string[], remove: string[]): string[] {
  return [...new Set([...current.filter((role) => !remove.includes(role)), ...add])];
}

/**
 * Changes a user's roles and, in the same transaction, ends every active
 * session of theirs (no token keeps the old roles), records it as an admin's
 * ending of sessions would be, writes the audit entry, and queues the eviction of their sessions and
 * profile from every instance's caches. Roles that would not change leave
 * everything as it is.
 */
export function changeRoles(dataSource: DataSource, change: RoleChange): Promise<RoleChangeResult> {
  return dataSource.transaction(async (manager) => {
    const users = manager.getRepository(User);
    const user = await users.findOne({ where: { email: normalizeEmail(change.email) }, lock: { mode: 'pessimistic_write' } });
    if (!user) return { found: false };
    const roles = resultingRoles(user.roles, change.add, change.remove);
    if (sameRoles(roles, user.roles)) return { found: true, roles, changed: false, sessionsEnded: 0 };

    await users.update({ id: user.id }, { roles });
    const ended = await revokeActiveSessionsOf(manager, user.id, 'roles_changed', new Date());
    if (ended.length > 0) await manager.getRepository(AuthEvent).insert({ type: 'session_revoked', userId: user.id, sessionId: null, ip: null, userAgent: null });
    const details = { from: user.roles, to: roles, via: 'users:roles (command line)' };
    await recordAuditEntry(manager, { actorId: null, ip: null }, { action: 'roles_changed', targetId: user.id, details }, new Date());
    if (change.queueInvalidations) await queueInvalidations(manager, [InvalidationKeys.sessionsOf(user.id), InvalidationKeys.profile(user.id)]);
    return { found: true, roles, changed: true, sessionsEnded: ended.length };
  });
}
