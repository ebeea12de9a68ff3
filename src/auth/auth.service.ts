import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../common/error-code';
import { transactionWithRetry } from '../database/transactions';
import { MAIL_KINDS } from '../mail/mail-kinds';
import { MailOutbox } from '../mail/mail-outbox.service';
import { Metrics } from '../metrics/metrics.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthConfig, authConfig } from './auth.config';
import { AUTH_EVENTS, PasswordChangedEvent, SessionStartedEvent, UserDeletedEvent, UserRegisteredEvent } from '../sessions/auth-events';
import { AuthenticatedUser, ClientInfo, IssuedSession, RefreshPrincipal } from '../common/authenticated-user';
import { AuthEventType } from '../security-events/auth-event.entity';
import { AuthEventPage, AuthEventsService } from '../security-events/auth-events.service';
import { KeyStore } from '../sessions/key-store.entity';
import { KeyStoreService } from '../sessions/key-store.service';
import { RecoveryConfig, recoveryConfig } from '../account/recovery.config';
import { SessionEndings } from '../sessions/session-endings';
import { hashKey, KeyPair, newRandomKey } from '../sessions/session-keys';
import { TokenService } from '../tokens/token.service';

/**
 * The flows: credentials, session start, rotation, revocation. Every change is
 * written in one transaction with the security event that records it.
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly keyStore: KeyStoreService,
    private readonly tokens: TokenService,
    private readonly events: AuthEventsService,
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
    private readonly emitter: EventEmitter2,
    private readonly endings: SessionEndings,
    private readonly outbox: MailOutbox,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    @Inject(recoveryConfig.KEY) private readonly recovery: RecoveryConfig,
  ) {}

  /** Creates the account and, in the same transaction, queues the mail that verifies its address. */
  async register(email: string, password: string, name: string | undefined, client: ClientInfo): Promise<User> {
    const passwordHash = await this.users.hashPassword(password);
    const user = await this.dataSource.transaction(async (manager) => {
      const created = await this.users.create(email, passwordHash, name, manager);
      await this.events.record({ type: 'register', userId: created.id, client }, manager);
      await this.outbox.queue({ kind: MAIL_KINDS.emailVerification, to: created.email, userId: created.id }, manager);
      return created;
    });
    this.emitter.emit(AUTH_EVENTS.userRegistered, new UserRegisteredEvent(user.id, user.email));
    return user;
  }

  async login(email: string, password: string, client: ClientInfo): Promise<IssuedSession> {
    const check = await this.users.verifyCredentials(email, password);
    if (!check.ok) {
      if (check.userId) this.recordFailedLogin(check.userId, client);
      this.metrics.logins.inc({ outcome: 'failed' });
      throw new AppError('INVALID_CREDENTIALS', 'The email or password is incorrect');
    }
    if (this.recovery.recovery.requireVerifiedEmail && !check.user.emailVerified) {
      this.recordFailedLogin(check.user.id, client);
      this.metrics.logins.inc({ outcome: 'unverified' });
      throw new AppError('EMAIL_NOT_VERIFIED', 'Confirm your email address first: follow the link in the mail we sent, or ask for a new one');
    }
    const keys: KeyPair = { accessKey: newRandomKey(), refreshKey: newRandomKey() };
    const csrfToken = newRandomKey();
    const userId = check.user.id;
    const { session, evicted } = await transactionWithRetry(this.dataSource, async (manager) => {
      // Logins of one user take turns, so that the session limit holds however many arrive at once.
      if (!(await this.users.lockInTransaction(userId, manager))) throw new AppError('INVALID_CREDENTIALS', 'The email or password is incorrect');
      const created = await this.keyStore.create({ userId, keys, csrfTokenHash: hashKey(csrfToken), ...client }, manager);
      const evicted = await this.keyStore.endLeastRecentlyUsed(userId, this.config.maxSessionsPerUser, manager);
      await this.events.record({ type: 'login_succeeded', userId, sessionId: created.id, client }, manager);
      for (const sessionId of evicted) await this.events.record({ type: 'session_revoked', userId, sessionId, client }, manager);
      return { session: created, evicted };
    });
    this.endings.announce(userId, 'session_limit', evicted);
    this.metrics.logins.inc({ outcome: 'succeeded' });
    this.emitter.emit(AUTH_EVENTS.sessionStarted, new SessionStartedEvent(check.user.id, session.id, client));
    return this.issue(check.user, session, keys, csrfToken);
  }

  /**
   * Rotates the session of a verified refresh token; `csrfToken` is the
   * session's, echoed back to cookie clients. A replayed rotated-away token
   * ends the session, and that is recorded although the request fails.
   */
  async refresh(principal: RefreshPrincipal, csrfToken: string, client: ClientInfo): Promise<IssuedSession> {
    const { id: userId, sessionId } = principal;
    if (this.recovery.recovery.requireVerifiedEmail && (await this.users.findById(userId))?.emailVerified === false) {
      throw new AppError('EMAIL_NOT_VERIFIED', 'Confirm your email address first: follow the link in the mail we sent, or ask for a new one');
    }
    const result = await this.keyStore.rotate(sessionId, userId, principal.refreshKey, this.events.recordFor('refresh', client));
    this.metrics.refreshes.inc({ outcome: result.outcome });
    if (result.outcome === 'reused') {
      const ended = await this.dataSource.transaction(async (manager) => {
        const revoked = await this.keyStore.revoke(sessionId, 'refresh_reuse', manager);
        if (revoked) await this.events.record({ type: 'refresh_reuse_detected', userId, sessionId, client }, manager);
        return revoked;
      });
      this.endings.announce(userId, 'refresh_reuse', ended ? [sessionId] : []);
      throw new AppError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been ended');
    }
    if (result.outcome === 'ended') throw new AppError('SESSION_REVOKED', 'This session has ended; sign in again');
    const user = await this.users.findById(userId);
    if (!user) throw new AppError('TOKEN_INVALID', 'The account of this token no longer exists');
    return this.issue(user, result.session, result.keys, csrfToken);
  }

  async logout(principal: { id: string; sessionId: string }, client: ClientInfo): Promise<void> {
    const ended = await this.withEvent('logout', principal.id, principal.sessionId, client, (manager) =>
      this.keyStore.revoke(principal.sessionId, 'logout', manager),
    );
    this.endings.announce(principal.id, 'logout', ended ? [principal.sessionId] : []);
  }

  /** Ends every session of the user and, since it secures the account, voids every mailed token and pending change of address. */
  async logoutAll(user: AuthenticatedUser, client: ClientInfo): Promise<void> {
    const ended = await this.withEvent('logout_all', user.id, user.sessionId, client, async (manager) => {
      await this.users.voidPendingTokens(user.id, manager);
      return this.keyStore.revokeAllForUser(user.id, 'logout_all', { manager });
    });
    this.endings.announce(user.id, 'logout_all', ended);
  }

  listSessions(userId: string): Promise<KeyStore[]> {
    return this.keyStore.listActive(userId);
  }

  async endSession(userId: string, sessionId: string, client: ClientInfo): Promise<void> {
    const ended = await this.withEvent('session_revoked', userId, sessionId, client, (manager) =>
      this.keyStore.revokeOwn(userId, sessionId, 'session_revoked', manager),
    );
    if (!ended) throw new AppError('NOT_FOUND', 'No such session');
    this.endings.announce(userId, 'session_revoked', [sessionId]);
  }

  /** Incident response: ends every session of any user and voids their mailed tokens (recorded in that user's trail). */
  async endAllSessionsOf(userId: string, client: ClientInfo): Promise<void> {
    if (!(await this.users.findById(userId))) throw new AppError('NOT_FOUND', 'No such user');
    const ended = await this.withEvent('session_revoked', userId, null, client, async (manager) => {
      await this.users.voidPendingTokens(userId, manager);
      return this.keyStore.revokeAllForUser(userId, 'admin', { manager });
    });
    this.endings.announce(userId, 'admin', ended);
  }

  /** Changes the password, ends every other session and voids every mailed token and pending change of address, in one transaction. */
  async changePassword(user: AuthenticatedUser, currentPassword: string, newPassword: string, client: ClientInfo): Promise<void> {
    await this.users.assertPassword(user.id, currentPassword);
    const passwordHash = await this.users.hashPassword(newPassword);
    const ended = await this.withEvent('password_changed', user.id, user.sessionId, client, async (manager) => {
      await this.users.setPasswordHash(user.id, passwordHash, manager);
      await this.users.voidPendingTokens(user.id, manager);
      return this.keyStore.revokeAllForUser(user.id, 'password_changed', { keepSessionId: user.sessionId, manager });
    });
    this.endings.announce(user.id, 'password_changed', ended);
    this.emitter.emit(AUTH_EVENTS.passwordChanged, new PasswordChangedEvent(user.id));
  }

  async deleteAccount(userId: string, password: string): Promise<void> {
    await this.users.assertPassword(userId, password);
    await this.users.delete(userId);
    this.emitter.emit(AUTH_EVENTS.userDeleted, new UserDeletedEvent(userId));
  }

  listEvents(userId: string, limit: number, before?: string): Promise<AuthEventPage> {
    return this.events.list(userId, limit, before);
  }

  /** Makes `change` and records its event in one transaction; a change that answers `false` did nothing and records nothing. */
  private withEvent<T>(
    type: AuthEventType,
    userId: string,
    sessionId: string | null,
    client: ClientInfo,
    change: (manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    return transactionWithRetry(this.dataSource, async (manager) => {
      const result = await change(manager);
      if (result !== false) await this.events.record({ type, userId, sessionId, client }, manager);
      return result;
    });
  }

  /**
   * Not awaited: awaiting the insert only for known emails would let response
   * timing tell known accounts from unknown ones.
   */
  private recordFailedLogin(userId: string, client: ClientInfo): void {
    this.events.record({ type: 'login_failed', userId, client }).catch((error: Error) => {
      this.logger.warn(`Could not record a failed login: ${error.message}`);
    });
  }

  private issue(user: User, session: Pick<KeyStore, 'id' | 'expiresAt'>, keys: KeyPair, csrfToken: string): IssuedSession {
    const access = this.tokens.signAccess({ sub: user.id, sid: session.id, prm: keys.accessKey, roles: user.roles }, session.expiresAt);
    const refresh = this.tokens.signRefresh({ sub: user.id, sid: session.id, prm: keys.refreshKey }, session.expiresAt);
    return { user, sessionId: session.id, access, refresh, csrfToken };
  }
}
