import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ClientInfo } from '../common/authenticated-user';
import { AppError } from '../common/error-code';
import { AuthEventsService, AuthEventType } from '../security-events';
import { UsersService } from '../users';
import { KeyStore, RevokedReason } from './key-store.entity';
import { KeyStoreService } from './key-store.service';
import { SessionEndings } from './session-endings';

export interface AccountSecuring {
  reason: RevokedReason;
  /** The event that records it, in the user's trail. */
  event: AuthEventType;
  client: ClientInfo;
  /** The session that asked (recorded with the event), if any. */
  sessionId?: string;
  /** A session that stays: the one that changed the password. */
  keepSessionId?: string;
}

/** What users and admins do with sessions once they exist: list them, end one, end all of them. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly keyStore: KeyStoreService,
    private readonly users: UsersService,
    private readonly events: AuthEventsService,
    private readonly endings: SessionEndings,
  ) {}

  listActive(userId: string): Promise<KeyStore[]> {
    return this.keyStore.listActive(userId);
  }

  async endOwn(userId: string, sessionId: string, client: ClientInfo): Promise<void> {
    const ended = await this.events.recordedChange({ type: 'session_revoked', userId, sessionId, client }, (manager) =>
      this.keyStore.revokeOwn(userId, sessionId, 'session_revoked', manager),
    );
    if (!ended) throw new AppError('NOT_FOUND', 'No such session');
    this.endings.announce(userId, 'session_revoked', [sessionId]);
  }

  /**
   * Incident response: ends every session of any user and voids their mailed tokens (recorded in that user's
   * trail); `afterwards` gets the ids of the sessions ended, in the same transaction. NOT_FOUND for no such user.
   */
  async endAllOf(userId: string, client: ClientInfo, afterwards?: (manager: EntityManager, ended: string[]) => Promise<void>): Promise<void> {
    const lockUser = async (manager: EntityManager) => {
      if (!(await this.users.lockInTransaction(userId, manager))) throw new AppError('NOT_FOUND', 'No such user');
    };
    await this.secureAccount(userId, { reason: 'admin', event: 'session_revoked', client }, lockUser, afterwards);
  }

  /**
   * Ends every session of the user (but `keepSessionId`) and voids every
   * mailed token and pending change of address: what securing an account
   * means. `alongside` runs first, in the same transaction (a new password);
   * `afterwards` last, with the ids of the sessions ended.
   */
  async secureAccount(
    userId: string,
    securing: AccountSecuring,
    alongside?: (manager: EntityManager) => Promise<void>,
    afterwards?: (manager: EntityManager, ended: string[]) => Promise<void>,
  ): Promise<void> {
    const { reason, event, client, sessionId = null, keepSessionId } = securing;
    const ended = await this.events.recordedChange({ type: event, userId, sessionId, client }, async (manager) => {
      await alongside?.(manager);
      await this.users.voidPendingTokens(userId, manager);
      const revoked = await this.keyStore.revokeAllForUser(userId, reason, { keepSessionId, manager });
      await afterwards?.(manager, revoked);
      return revoked;
    });
    this.endings.announce(userId, reason, ended);
  }
}
