import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { AppError } from '../../common/error-code';
import { MailService } from '../../mail/mail.service';
import { normalizeEmail } from '../../users/email';
import { UsersService } from '../../users/users.service';
import { AUTH_EVENTS, EmailVerifiedEvent, PasswordChangedEvent, UserRegisteredEvent } from '../auth-events';
import { AuthenticatedUser, ClientInfo } from '../authenticated-user';
import { AuthEventsService } from '../events/auth-events.service';
import { KeyStoreService } from '../key-store.service';
import { SessionEndings } from '../session-endings';
import { AccountTokens } from './account-tokens.service';
import { RecoveryMails } from './recovery-mails';
import { RecoveryConfig, recoveryConfig } from './recovery.config';

const invalidToken = () => new AppError('TOKEN_INVALID', 'This link is not valid: it was used, replaced by a newer one, or has expired', { status: 400 });

/**
 * Forgotten passwords, verification of the address and change of address,
 * each through a single-use token mailed to the address concerned. Mail goes
 * out after the change has committed and never holds the request.
 */
@Injectable()
export class RecoveryService {
  private readonly logger = new Logger(RecoveryService.name);
  private readonly config: RecoveryConfig['recovery'];

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: AccountTokens,
    private readonly users: UsersService,
    private readonly keyStore: KeyStoreService,
    private readonly events: AuthEventsService,
    private readonly mail: MailService,
    private readonly endings: SessionEndings,
    private readonly emitter: EventEmitter2,
    @Inject(recoveryConfig.KEY) config: RecoveryConfig,
  ) {
    this.config = config.recovery;
  }

  /**
   * Mails a reset link if an account has `email`. Known or not, the request
   * runs the same single statement in a transaction committed without waiting
   * for the disk (a write that would otherwise take longer to commit than the
   * read of an unknown address), and answers the same.
   */
  async forgotPassword(email: string, client: ClientInfo): Promise<void> {
    const issued = await this.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL synchronous_commit TO off');
      return this.tokens.issueForAddress(
        'password_reset',
        normalizeEmail(email),
        this.config.passwordResetTtlSeconds,
        manager,
        this.events.recordFor('password_reset_requested', client),
      );
    });
    if (issued) {
      this.mail.send(RecoveryMails.passwordReset(issued.email, this.link('reset-password', issued.token), duration(this.config.passwordResetTtlSeconds)));
    }
  }

  /** Sets a new password from a reset link, ends every session and marks the address verified (the link reached it). */
  async resetPassword(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    // Checked before hashing, so that a bad link costs no argon2 work; consumed below, once.
    if (!(await this.tokens.find(token, ['password_reset']))) throw invalidToken();
    const passwordHash = await this.users.hashPassword(newPassword);
    const { userId, ended, verified } = await this.dataSource.transaction(async (manager) => {
      const used = await this.tokens.consume(token, ['password_reset'], manager);
      if (!used) throw invalidToken();
      const user = await this.users.findInTransaction(used.userId, manager);
      await this.users.setPasswordHash(user.id, passwordHash, manager);
      const verifies = !user.emailVerified && user.email === used.email;
      if (verifies) await this.users.setEmailVerified(user.id, manager);
      const ended = await this.keyStore.revokeAllForUser(user.id, 'password_reset', { manager });
      await this.events.record({ type: 'password_reset', userId: user.id, client }, manager);
      return { userId: user.id, ended, verified: verifies ? user.email : null };
    });
    this.endings.announce(userId, 'password_reset', ended);
    this.emitter.emit(AUTH_EVENTS.passwordChanged, new PasswordChangedEvent(userId));
    if (verified) this.emitter.emit(AUTH_EVENTS.emailVerified, new EmailVerifiedEvent(userId, verified));
  }

  /** Follows a verification link: confirms the address, or makes a pending new address the account's. */
  async verifyEmail(token: string, client: ClientInfo): Promise<void> {
    const confirmed = await this.dataSource.transaction(async (manager) => {
      const used = await this.tokens.consume(token, ['email_verification', 'email_change'], manager);
      if (!used) throw invalidToken();
      const user = await this.users.findInTransaction(used.userId, manager);
      if (used.kind === 'email_change') {
        await this.users.changeEmail(user.id, used.email, manager);
        // Links mailed to the old address (a reset, its verification) must not work for the new one.
        await this.tokens.voidAll(user.id, manager);
        await this.events.record({ type: 'email_changed', userId: user.id, client }, manager);
        return { userId: user.id, email: used.email };
      }
      // A link for an address the account no longer has.
      if (user.email !== used.email) throw invalidToken();
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
    await this.mailVerificationLink(user.id, user.email);
  }

  /** Mails a confirmation link to `newEmail` and a notice to the current address; the change waits for the link. */
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
    const issued = await this.dataSource.transaction(async (manager) => {
      const issued = await this.tokens.issue('email_change', user.id, email, this.config.emailVerificationTtlSeconds, manager);
      await this.events.record({ type: 'email_change_requested', userId: user.id, sessionId: principal.sessionId, client }, manager);
      return issued;
    });
    const ttl = duration(this.config.emailVerificationTtlSeconds);
    this.mail.send(RecoveryMails.emailChange(email, this.link('verify-email', issued.token), ttl));
    this.mail.send(RecoveryMails.emailChangeNotice(user.email, email));
  }

  /** Every new account is sent its verification link, once the account has committed. */
  @OnEvent(AUTH_EVENTS.userRegistered)
  async onUserRegistered(event: UserRegisteredEvent): Promise<void> {
    try {
      await this.mailVerificationLink(event.userId, event.email);
    } catch (error) {
      this.logger.warn(`No verification mail for a new account (it can ask again): ${(error as Error).message}`);
    }
  }

  private async mailVerificationLink(userId: string, email: string): Promise<void> {
    const ttlSeconds = this.config.emailVerificationTtlSeconds;
    const issued = await this.dataSource.transaction((manager) => this.tokens.issue('email_verification', userId, email, ttlSeconds, manager));
    this.mail.send(RecoveryMails.emailVerification(email, this.link('verify-email', issued.token), duration(ttlSeconds)));
  }

  private link(page: 'reset-password' | 'verify-email', token: string): string {
    return `${this.config.appUrl}/${page}?token=${token}`;
  }
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
