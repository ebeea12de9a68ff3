import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../common/error-code';
import { transactionWithRetry } from '../database/transactions';
import { MfaService } from '../mfa';
import { AuthEventsService } from '../security-events';
import { AUTH_EVENTS, KeyStoreService, RevokedReason, SessionEndings, SessionsService, UserDeletedEvent } from '../sessions';
import { ADMIN_ROLE, sameRoles, User, UsersService } from '../users';
import { AuditActor, AuditLog, AuditRecord } from './audit-log.service';
import { UserDirectory, UserDossier } from './user-directory.service';

export interface AccessChange {
  roles?: string[];
  disabled?: boolean;
}

/**
 * What an admin does to an account: change its roles, disable or enable it,
 * reset its second factor, end its sessions, delete it. Each action and its
 * audit entry commit in one transaction; no admin can leave the service
 * without an enabled admin (LAST_ADMIN).
 */
@Injectable()
export class AdminActions {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly keyStore: KeyStoreService,
    private readonly sessions: SessionsService,
    private readonly mfa: MfaService,
    private readonly events: AuthEventsService,
    private readonly endings: SessionEndings,
    private readonly audit: AuditLog,
    private readonly emitter: EventEmitter2,
    private readonly directory: UserDirectory,
  ) {}

  /**
   * New roles and/or the disabled flag. A change of either ends every session
   * of the user (no token keeps old roles; a disabled user keeps none), and
   * disabling voids the mailed tokens too. What would not change is left as
   * it is. Answers the account as it is now.
   */
  async changeAccess(actor: AuditActor, userId: string, change: AccessChange): Promise<UserDossier> {
    const mayLeaveNoAdmin = (change.roles !== undefined && !change.roles.includes(ADMIN_ROLE)) || change.disabled === true;
    const outcome = await transactionWithRetry(this.dataSource, async (manager) => {
      const admins = mayLeaveNoAdmin ? await this.users.lockEnabledAdmins(manager) : [];
      const user = await this.lockTarget(userId, manager);
      const roles = change.roles !== undefined && !sameRoles(change.roles, user.roles) ? change.roles : undefined;
      const disabled = change.disabled !== undefined && change.disabled !== user.disabled ? change.disabled : undefined;
      if (roles === undefined && disabled === undefined) return null;
      const losesAdmin = isEnabledAdmin(user) && (disabled === true || (roles !== undefined && !roles.includes(ADMIN_ROLE)));
      if (losesAdmin) assertAnotherAdmin(admins, userId);

      await this.users.setAccess(userId, { roles, disabled }, manager);
      if (disabled) await this.users.voidPendingTokens(userId, manager);
      const reason: RevokedReason = disabled ? 'account_disabled' : 'roles_changed';
      const ended = await this.keyStore.revokeAllForUser(userId, reason, { manager });
      if (ended.length > 0)
        await this.events.record({ type: 'session_revoked', userId, client: { ip: actor.ip, userAgent: null, requestId: actor.requestId } }, manager);
      const records: AuditRecord[] = [];
      if (roles !== undefined) records.push({ action: 'roles_changed', targetId: userId, details: { from: user.roles, to: roles } });
      if (disabled !== undefined) records.push({ action: disabled ? 'user_disabled' : 'user_enabled', targetId: userId });
      for (const record of records) await this.audit.record(manager, actor, record);
      return { reason, ended };
    });
    if (outcome) this.endings.announce(userId, outcome.reason, outcome.ended);
    return this.directory.dossier(userId);
  }

  /** Removes the second factor and recovery codes, ending every session; NOT_FOUND when the account has none. */
  async resetMfa(actor: AuditActor, userId: string): Promise<void> {
    const client = { ip: actor.ip, userAgent: null, requestId: actor.requestId };
    const removed = await this.mfa.reset(userId, client, (manager) => this.audit.record(manager, actor, { action: 'mfa_reset', targetId: userId }));
    if (!removed) throw new AppError('NOT_FOUND', 'This account has no second factor');
  }

  async endSessions(actor: AuditActor, userId: string): Promise<void> {
    const client = { ip: actor.ip, userAgent: null, requestId: actor.requestId };
    await this.sessions.endAllOf(userId, client, (manager, ended) =>
      this.audit.record(manager, actor, { action: 'sessions_ended', targetId: userId, details: { sessions: ended.length } }),
    );
  }

  /** Deletes the account; its audit entries stay, the last one naming the address it had. */
  async deleteUser(actor: AuditActor, userId: string): Promise<void> {
    await this.users.delete(userId, async (manager) => {
      const admins = await this.users.lockEnabledAdmins(manager);
      const user = await this.lockTarget(userId, manager);
      if (isEnabledAdmin(user)) assertAnotherAdmin(admins, userId);
      await this.audit.record(manager, actor, { action: 'user_deleted', targetId: userId, details: { email: user.email } });
    });
    this.emitter.emit(AUTH_EVENTS.userDeleted, new UserDeletedEvent(userId));
  }

  private async lockTarget(userId: string, manager: EntityManager): Promise<User> {
    const user = await this.users.lockInTransaction(userId, manager);
    if (!user) throw new AppError('NOT_FOUND', 'No such user');
    return user;
  }
}

function isEnabledAdmin(user: User): boolean {
  return user.roles.includes(ADMIN_ROLE) && !user.disabled;
}

function assertAnotherAdmin(enabledAdmins: string[], userId: string): void {
  if (!enabledAdmins.some((id) => id !== userId)) {
    throw new AppError('LAST_ADMIN', 'This is the last enabled admin: make another user admin first');
  }
}
