import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { DataSource } from 'typeorm';
import { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { AppError } from '../common/error-code';
import { MAIL_KINDS, MailOutbox } from '../mail';
import { Metrics } from '../metrics/metrics.service';
import { MfaChallengeIssued, MfaLogin, MfaProof } from '../mfa';
import { PasskeySignIn } from '../passkeys';
import { AuthEventsService } from '../security-events';
import { AUTH_EVENTS, KeyStoreService, SessionEndings, SessionsService, UserRegisteredEvent } from '../sessions';
import { RefreshPrincipal, TokenService } from '../tokens';
import { accountDisabled, User, UsersService } from '../users';
import { AuthConfig, authConfig } from './auth.config';
import { IssuedSession, sessionTokens } from './issued-session';
import { SessionStarter } from './session-starter.service';

const UNVERIFIED = 'Confirm your email address first: follow the link in the mail we sent, or ask for a new one';

/**
 * Registration and the password way in, rotation and logout. Every change is
 * written in one transaction with the security event that records it.
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly keyStore: KeyStoreService,
    private readonly sessions: SessionsService,
    private readonly starter: SessionStarter,
    private readonly tokens: TokenService,
    private readonly events: AuthEventsService,
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
    private readonly emitter: EventEmitter2,
    private readonly endings: SessionEndings,
    private readonly outbox: MailOutbox,
    private readonly mfaLogin: MfaLogin,
    private readonly passkeys: PasskeySignIn,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
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

  /** A session, or the challenge of an account with a second factor. */
  async login(email: string, password: string, client: ClientInfo): Promise<IssuedSession | MfaChallengeIssued> {
    const check = await this.users.verifyCredentials(email, password);
    if (!check.ok) {
      if (check.userId) this.recordFailedLogin(check.userId, client);
      this.metrics.logins.inc({ outcome: 'failed' });
      throw new AppError('INVALID_CREDENTIALS', 'The email or password is incorrect');
    }
    this.assertVerifiedIfRequired(check.user, client);
    return this.starter.start(check.user, { amr: ['pwd'] }, client);
  }

  /** A session (`aal2` when the authenticator verified its user), or the challenge of an account with a second factor. */
  async loginWithPasskey(challengeId: string, response: AuthenticationResponseJSON, client: ClientInfo): Promise<IssuedSession | MfaChallengeIssued> {
    const { user, amr } = await this.passkeys.verify(challengeId, response, client);
    this.assertVerifiedIfRequired(user, client);
    return this.starter.start(user, { amr }, client);
  }

  /** A session for the account a provider's identity signs in (`fed`), or the challenge of an account with a second factor. */
  async loginWithProvider(user: User, client: ClientInfo): Promise<IssuedSession | MfaChallengeIssued> {
    this.assertVerifiedIfRequired(user, client);
    return this.starter.start(user, { amr: ['fed'] }, client);
  }

  /** The second step of a sign-in with a second factor: the session, at `aal2`. */
  async completeMfaLogin(mfaToken: string, proof: MfaProof, client: ClientInfo): Promise<IssuedSession> {
    const { userId, amr } = await this.mfaLogin.complete(mfaToken, proof, client);
    const user = await this.users.findById(userId);
    if (!user) throw new AppError('MFA_TOKEN_INVALID', 'This sign-in has expired or was completed already: sign in again');
    const started = await this.starter.start(user, { amr }, client);
    // Two factors make aal2, which is never challenged.
    if (isChallenge(started)) throw new Error('A sign-in with two factors was challenged again');
    return started;
  }

  /**
   * Rotates the session of a verified refresh token; `csrfToken` is the
   * session's, echoed back to cookie clients. A replayed rotated-away token
   * ends the session, and that is recorded although the request fails.
   */
  async refresh(principal: RefreshPrincipal, csrfToken: string, client: ClientInfo): Promise<IssuedSession> {
    const { id: userId, sessionId } = principal;
    const account = await this.users.findById(userId);
    if (account?.disabled) throw accountDisabled();
    if (this.config.requireVerifiedEmail && account?.emailVerified === false) {
      throw new AppError('EMAIL_NOT_VERIFIED', UNVERIFIED);
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
    if (result.outcome === 'ended') {
      // Disabling ends the sessions: this instance may not have heard of it yet, the table knows.
      if (await this.users.isDisabled(userId)) throw accountDisabled();
      throw new AppError('SESSION_REVOKED', 'This session has ended; sign in again');
    }
    const user = await this.users.findById(userId);
    if (!user) throw new AppError('TOKEN_INVALID', 'The account of this token no longer exists');
    return sessionTokens(this.tokens, user, result.session, result.keys, csrfToken);
  }

  async logout(principal: { id: string; sessionId: string }, client: ClientInfo): Promise<void> {
    const ended = await this.events.recordedChange({ type: 'logout', userId: principal.id, sessionId: principal.sessionId, client }, (manager) =>
      this.keyStore.revoke(principal.sessionId, 'logout', manager),
    );
    this.endings.announce(principal.id, 'logout', ended ? [principal.sessionId] : []);
  }

  /** Ends every session of the user and, since it secures the account, voids every mailed token and pending change of address. */
  async logoutAll(user: AuthenticatedUser, client: ClientInfo): Promise<void> {
    await this.sessions.secureAccount(user.id, { reason: 'logout_all', event: 'logout_all', client, sessionId: user.sessionId });
  }

  private assertVerifiedIfRequired(user: User, client: ClientInfo): void {
    if (!this.config.requireVerifiedEmail || user.emailVerified) return;
    this.recordFailedLogin(user.id, client);
    this.metrics.logins.inc({ outcome: 'unverified' });
    throw new AppError('EMAIL_NOT_VERIFIED', UNVERIFIED);
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
}

export function isChallenge(outcome: IssuedSession | MfaChallengeIssued): outcome is MfaChallengeIssued {
  return 'mfaRequired' in outcome;
}
