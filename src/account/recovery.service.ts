import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import { SourceRows, withParts } from '../cache/statement-part';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { DatabaseConfig, databaseConfig } from '../database/database.config';
import { transactionWithRetry } from '../database/transactions';
import { MAIL_KINDS, MailMessage, MailOutbox, OutboxMail } from '../mail';
import { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { AuthEventsService } from '../security-events';
import { AUTH_EVENTS, EmailVerifiedEvent, PasswordChangedEvent, SessionsService } from '../sessions';
import { normalizeEmail, User, UsersService } from '../users';
import { AccountTokens, UsedToken } from './account-tokens.service';
import { RecoveryMails } from './recovery-mails';
import { RecoveryConfig, recoveryConfig } from './recovery.config';

const invalidToken = () => new AppError('TOKEN_INVALID', 'This link is not valid: it was used, replaced by a newer one, or has expired', { status: 400 });

/**
 * Forgotten passwords, verification of the address and change of address,
 * each through a single-use token mailed to the address concerned. The
 * deciding transaction queues the mail; its token is made when the mail is
 * composed (the outbox holds no secret), and works only for the address it
 * went to and until the account is next secured.
 */
@Injectable()
export class RecoveryService implements OnModuleInit {
  private readonly config: RecoveryConfig['recovery'];
  private readonly onServer: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: AccountTokens,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly events: AuthEventsService,
    private readonly outbox: MailOutbox,
    private readonly emitter: EventEmitter2,
    private readonly clock: Clock,
    @Inject(recoveryConfig.KEY) config: RecoveryConfig,
    @Inject(databaseConfig.KEY) database: DatabaseConfig,
  ) {
    this.config = config.recovery;
    this.onServer = Boolean(database.databaseUrl);
  }

  onModuleInit(): void {
    this.outbox.composeWith(MAIL_KINDS.passwordReset, (mail, manager) => this.composePasswordReset(mail, manager));
    this.outbox.composeWith(MAIL_KINDS.emailVerification, (mail, manager) => this.composeEmailVerification(mail, manager));
    this.outbox.composeWith(MAIL_KINDS.emailChange, (mail, manager) => this.composeEmailChange(mail, manager));
    this.outbox.composeWith(MAIL_KINDS.emailChangeNotice, async (mail) =>
      RecoveryMails.emailChangeNotice(mail.recipient, String((mail.payload as { newEmail?: unknown }).newEmail)),
    );
  }

  /**
   * Queues a reset mail if an account has `email`. Known or not, the request
   * runs the same single statement, in a transaction committed without waiting
   * for the disk on a PostgreSQL server (a write that would otherwise take
   * longer to commit than the read of an unknown address; the server, not this
   * process, writes it soon after), and answers the same. The mail is composed
   * and sent later, apart from the request.
   */
  async forgotPassword(email: string, client: ClientInfo): Promise<void> {
    const params = [normalizeEmail(email)];
    const parts = withParts('account', params.length, [this.outbox.queueFor(MAIL_KINDS.passwordReset), this.events.recordFor('password_reset_requested', client)]);
    await this.dataSource.transaction(async (manager) => {
      // The embedded database lives in this process: a commit it has not written would die with it.
      if (this.onServer) await manager.query('SET LOCAL synchronous_commit TO off');
      const rows: SourceRows = await manager.query(
        `WITH account AS (SELECT id AS user_id, NULL::uuid AS id, email FROM users WHERE email = $1)${parts.ctes}
         SELECT user_id, id FROM account`,
        [...params, ...parts.params],
      );
      parts.ran(rows, manager.queryRunner);
    });
  }

  /**
   * Sets a new password from a reset link, ends every session, voids every
   * other mailed token and marks the address verified (the link reached it).
   * The token is claimed before the password is hashed, so a burst of
   * requests with one token costs one hash; it is consumed with the change.
   */
  async resetPassword(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    const userId = await this.tokens.claim(token, 'password_reset');
    if (!userId) throw invalidToken();
    let passwordHash: string;
    try {
      passwordHash = await this.users.hashPassword(newPassword);
    } catch (error) {
      await this.tokens.release(token).catch(() => undefined);
      throw error;
    }
    let verified: string | null = null;
    await this.sessions.secureAccount(userId, { reason: 'password_reset', event: 'password_reset', client }, async (manager) => {
      const user = await this.users.lockInTransaction(userId, manager);
      const used = await this.tokens.consume(token, ['password_reset'], manager);
      if (!user || !used || !stillGood(used, user, user.email)) throw invalidToken();
      await this.users.setPasswordHash(user.id, passwordHash, manager);
      if (!user.emailVerified) await this.users.setEmailVerified(user.id, manager);
      verified = user.emailVerified ? null : user.email;
    });
    this.emitter.emit(AUTH_EVENTS.passwordChanged, new PasswordChangedEvent(userId));
    if (verified) this.emitter.emit(AUTH_EVENTS.emailVerified, new EmailVerifiedEvent(userId, verified));
  }

  /** Follows a verification link: confirms the address, or makes the pending new address the account's. */
  async verifyEmail(token: string, client: ClientInfo): Promise<void> {
    const userId = await this.tokens.ownerOf(token, ['email_verification', 'email_change']);
    if (!userId) throw invalidToken();
    const confirmed = await transactionWithRetry(this.dataSource, async (manager) => {
      const user = await this.users.lockInTransaction(userId, manager);
      const used = await this.tokens.consume(token, ['email_verification', 'email_change'], manager);
      if (!user || !used) throw invalidToken();
      if (used.kind === 'email_change') {
        if (!stillGood(used, user, this.pendingEmailOf(user))) throw invalidToken();
        await this.users.changeEmail(user.id, used.email, manager);
        await this.events.record({ type: 'email_changed', userId: user.id, client }, manager);
        return { userId: user.id, email: used.email };
      }
      if (!stillGood(used, user, user.email)) throw invalidToken();
      if (user.emailVerified) return null;
      await this.users.setEmailVerified(user.id, manager);
      await this.events.record({ type: 'email_verified', userId: user.id, client }, manager);
      return { userId: user.id, email: user.email };
    });
    if (confirmed) this.emitter.emit(AUTH_EVENTS.emailVerified, new EmailVerifiedEvent(confirmed.userId, confirmed.email));
  }

  /** A fresh verification link for the signed-in user (the previous one stops working); nothing if the address is verified. */
  async resendVerification(principal: AuthenticatedUser): Promise<void> {
    const user = await this.users.getById(principal.id);
    if (user.emailVerified) return;
    await this.dataSource.transaction((manager) => this.outbox.queue({ kind: MAIL_KINDS.emailVerification, to: user.email, userId: user.id }, manager));
  }

  /**
   * Records the new address as pending and mails it a confirmation link, and
   * the current address a notice; the change waits for the link. A newer
   * request replaces an older one.
   */
  async requestEmailChange(principal: AuthenticatedUser, newEmail: string, password: string, client: ClientInfo): Promise<void> {
    await this.users.assertPassword(principal.id, password);
    const user = await this.users.getById(principal.id);
    const email = normalizeEmail(newEmail);
    if (email === user.email) {
      throw new AppError('VALIDATION_FAILED', 'newEmail is already the address of this account', {
        details: [{ field: 'newEmail', messages: ['newEmail must differ from the current address'] }],
      });
    }
    if (await this.users.emailTaken(email)) throw new AppError('EMAIL_TAKEN', 'An account with this email already exists');
    const expiresAt = new Date(this.clock.now() + this.config.emailVerificationTtlSeconds * 1000);
    await transactionWithRetry(this.dataSource, async (manager) => {
      const current = await this.users.lockInTransaction(user.id, manager);
      if (!current) throw new AppError('NOT_FOUND', 'No such user');
      await this.users.setPendingEmail(user.id, email, expiresAt, manager);
      await this.tokens.remove(user.id, 'email_change', manager);
      await this.outbox.queue({ kind: MAIL_KINDS.emailChange, to: email, userId: user.id }, manager);
      await this.outbox.queue({ kind: MAIL_KINDS.emailChangeNotice, to: current.email, userId: user.id, payload: { newEmail: email } }, manager);
      await this.events.record({ type: 'email_change_requested', userId: user.id, sessionId: principal.sessionId, client }, manager);
    });
  }

  /** Cancels a pending change of address: its link stops working. Nothing to cancel is no error. */
  async cancelEmailChange(principal: AuthenticatedUser): Promise<void> {
    await transactionWithRetry(this.dataSource, async (manager) => {
      if (!(await this.users.lockInTransaction(principal.id, manager))) return;
      await this.users.clearPendingEmail(principal.id, manager);
      await this.tokens.remove(principal.id, 'email_change', manager);
    });
  }

  private async composePasswordReset(mail: OutboxMail, manager: EntityManager): Promise<MailMessage | null> {
    const user = await this.users.lockInTransaction(mail.userId!, manager);
    // The address changed since the request: the link would not work for it.
    if (!user || user.email !== mail.recipient) return null;
    const ttl = this.config.passwordResetTtlSeconds;
    const token = await this.tokens.issue('password_reset', user, user.email, this.expiresIn(ttl), manager);
    return RecoveryMails.passwordReset(user.email, this.link('reset-password', token), duration(ttl));
  }

  private async composeEmailVerification(mail: OutboxMail, manager: EntityManager): Promise<MailMessage | null> {
    const user = await this.users.lockInTransaction(mail.userId!, manager);
    if (!user || user.email !== mail.recipient || user.emailVerified) return null;
    const ttl = this.config.emailVerificationTtlSeconds;
    const token = await this.tokens.issue('email_verification', user, user.email, this.expiresIn(ttl), manager);
    return RecoveryMails.emailVerification(user.email, this.link('verify-email', token), duration(ttl));
  }

  private async composeEmailChange(mail: OutboxMail, manager: EntityManager): Promise<MailMessage | null> {
    const user = await this.users.lockInTransaction(mail.userId!, manager);
    // Cancelled, replaced by a newer change, voided by a change that secured the account, or expired.
    if (!user || this.pendingEmailOf(user) !== mail.recipient) return null;
    const token = await this.tokens.issue('email_change', user, mail.recipient, user.pendingEmailExpiresAt!, manager);
    return RecoveryMails.emailChange(mail.recipient, this.link('verify-email', token), duration(this.config.emailVerificationTtlSeconds));
  }

  /** The pending new address of `user`, while its confirmation may still come. */
  private pendingEmailOf(user: User): string | null {
    return user.pendingEmail !== null && (user.pendingEmailExpiresAt?.getTime() ?? 0) > this.clock.now() ? user.pendingEmail : null;
  }

  private expiresIn(seconds: number): Date {
    return new Date(this.clock.now() + seconds * 1000);
  }

  private link(page: 'reset-password' | 'verify-email', token: string): string {
    return `${this.config.appUrl}/${page}?token=${token}`;
  }
}

/** A token is good for the account while it is bound to `address` and no change has secured the account since it was issued. */
function stillGood(used: UsedToken, user: User, address: string | null): boolean {
  return used.userId === user.id && used.securityStamp === user.securityStamp && address !== null && used.email === address;
}

/** `1800` → `30 minutes`, `86400` → `24 hours`, for the text of a mail. */
function duration(seconds: number): string {
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
