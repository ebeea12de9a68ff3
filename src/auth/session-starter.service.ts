import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { ClientInfo } from '../common/authenticated-user';
import { AppError } from '../common/error-code';
import { transactionWithRetry } from '../database/transactions';
import { Metrics } from '../metrics/metrics.service';
import { AuthEventsService } from '../security-events';
import {
  AssuranceLevel,
  AUTH_EVENTS,
  AuthMethod,
  hashKey,
  KeyPair,
  KeyStoreService,
  newRandomKey,
  SessionEndings,
  SessionsConfig,
  sessionsConfig,
  SessionStartedEvent,
} from '../sessions';
import { MfaChallengeIssued, MfaLogin } from '../mfa';
import { accountDisabled, User, UsersService } from '../users';
import { IssuedSession, sessionTokens } from './issued-session';
import { TokenService } from '../tokens';

/** How the user proved who they are, as the session records it. */
export interface SignIn {
  amr: AuthMethod[];
}

/**
 * Where every way in ends: a sign-in method checks its own credentials, then
 * hands the user here, and this alone starts a session. An account with a
 * second factor gets no `aal1` session from any method: the sign-in becomes
 * a challenge instead (`MfaChallengeIssued`), completed through
 * `POST /auth/login/mfa`, which comes back here with both factors; and a
 * disabled account gets nothing, whichever method vouched for it. It records
 * how the session was started (`aal`, `amr`), keeps the user within
 * MAX_SESSIONS_PER_USER, records the login and tells the rest of the service.
 */
@Injectable()
export class SessionStarter {
  constructor(
    private readonly users: UsersService,
    private readonly keyStore: KeyStoreService,
    private readonly tokens: TokenService,
    private readonly events: AuthEventsService,
    private readonly endings: SessionEndings,
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
    private readonly emitter: EventEmitter2,
    private readonly mfa: MfaLogin,
    @Inject(sessionsConfig.KEY) private readonly config: SessionsConfig,
  ) {}

  async start(user: User, signIn: SignIn, client: ClientInfo): Promise<IssuedSession | MfaChallengeIssued> {
    const keys: KeyPair = { accessKey: newRandomKey(), refreshKey: newRandomKey() };
    const csrfToken = newRandomKey();
    const userId = user.id;
    const aal = assuranceOf(signIn.amr);
    const started = await transactionWithRetry(this.dataSource, async (manager) => {
      // Logins of one user take turns, so that the session limit holds however many arrive at once;
      // and the account is read as it is now: a second factor enabled a moment ago counts.
      const account = await this.users.lockInTransaction(userId, manager);
      if (!account) throw new AppError('INVALID_CREDENTIALS', 'The email or password is incorrect');
      if (account.disabled) throw accountDisabled();
      if (account.mfaEnabled && aal === 'aal1') return { challenge: await this.mfa.challenge(userId, signIn.amr, manager) };
      const created = await this.keyStore.create({ userId, aal, amr: signIn.amr, keys, csrfTokenHash: hashKey(csrfToken), ...client }, manager);
      await this.users.recordLogin(userId, created.createdAt, manager);
      const evicted = await this.keyStore.endLeastRecentlyUsed(userId, this.config.maxSessionsPerUser, manager);
      await this.events.record({ type: 'login_succeeded', userId, sessionId: created.id, client, amr: signIn.amr }, manager);
      for (const sessionId of evicted) await this.events.record({ type: 'session_revoked', userId, sessionId, client }, manager);
      return { session: created, evicted };
    });
    if (started.challenge) {
      this.metrics.logins.inc({ outcome: 'mfa_required' });
      return started.challenge;
    }
    const { session, evicted } = started;
    this.endings.announce(userId, 'session_limit', evicted);
    this.metrics.logins.inc({ outcome: 'succeeded' });
    this.emitter.emit(AUTH_EVENTS.sessionStarted, new SessionStartedEvent(userId, session.id, client));
    return sessionTokens(this.tokens, user, session, keys, csrfToken);
  }
}

/** Two methods make two factors; a passkey that verified its user counts as two (`hwk`, `user`). */
function assuranceOf(amr: AuthMethod[]): AssuranceLevel {
  return new Set(amr).size >= 2 ? 'aal2' : 'aal1';
}
