import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/error-code';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthenticatedUser, RefreshPrincipal, TokenTransport } from './authenticated-user';
import { KeyStore } from './key-store.entity';
import { isLive, KeyStoreService } from './key-store.service';
import { hashKey, KeyPair, newRandomKey, sameHash } from './session-keys';
import { SignedToken, TokenService } from './token.service';

export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

/** A session's freshly signed pair, as login and refresh hand it out. */
export interface IssuedSession {
  user: User;
  sessionId: string;
  access: SignedToken;
  refresh: SignedToken;
  csrfToken: string;
}

/** The flows: credentials, session start, rotation, revocation. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly keyStore: KeyStoreService,
    private readonly tokens: TokenService,
    private readonly dataSource: DataSource,
  ) {}

  register(email: string, password: string, name?: string): Promise<User> {
    return this.users.register(email, password, name);
  }

  async login(email: string, password: string, client: ClientInfo): Promise<IssuedSession> {
    const user = await this.users.findByCredentials(email, password);
    if (!user) throw new AppError('INVALID_CREDENTIALS', 'The email or password is incorrect');
    const keys: KeyPair = { accessKey: newRandomKey(), refreshKey: newRandomKey() };
    const csrfToken = newRandomKey();
    const session = await this.keyStore.create({ userId: user.id, keys, csrfTokenHash: hashKey(csrfToken), ...client });
    return this.issue(user, session, keys, csrfToken);
  }

  /** Rotates the session of a verified refresh token; `csrfToken` is the session's, echoed back to cookie clients. */
  async refresh(principal: RefreshPrincipal, csrfToken: string): Promise<IssuedSession> {
    const { session, keys } = await this.keyStore.rotate(principal.sessionId, principal.id, principal.refreshKey);
    const user = await this.users.findById(principal.id);
    if (!user) throw new AppError('TOKEN_INVALID', 'The account of this token no longer exists');
    return this.issue(user, session, keys, csrfToken);
  }

  /** Full check of an access token: signature and claims, then its key against the KeyStore. */
  async authenticateAccess(token: string, via: TokenTransport): Promise<AuthenticatedUser> {
    const claims = await this.tokens.verifyAccess(token);
    const session = await this.keyStore.findState(claims.sid);
    if (!session) throw await this.missingSessionError(claims.sub);
    if (session.userId !== claims.sub) throw new AppError('TOKEN_INVALID', 'The access token does not match its session');
    if (session.status !== 'active' || !isLive(session) || !sameHash(session.accessKeyHash, hashKey(claims.prm))) {
      throw new AppError('SESSION_REVOKED', 'This session has ended or its tokens were rotated; refresh or sign in again');
    }
    return { id: claims.sub, sessionId: claims.sid, roles: claims.roles, via };
  }

  /** Signature and claims of a refresh token; the KeyStore decides at rotation. */
  async authenticateRefresh(token: string, via: TokenTransport): Promise<RefreshPrincipal> {
    const claims = await this.tokens.verifyRefresh(token);
    return { id: claims.sub, sessionId: claims.sid, refreshKey: claims.prm, via };
  }

  async assertCsrfToken(sessionId: string, csrfToken: string | undefined): Promise<void> {
    const session = csrfToken ? await this.keyStore.findState(sessionId) : null;
    if (!session || !sameHash(session.csrfTokenHash, hashKey(csrfToken!))) {
      throw new AppError('CSRF_TOKEN_INVALID', 'Send this session\'s CSRF token in the X-CSRF-Token header');
    }
  }

  async logout(sessionId: string): Promise<void> {
    await this.keyStore.revoke(sessionId, 'logout');
  }

  async logoutAll(userId: string): Promise<void> {
    await this.keyStore.revokeAllForUser(userId, 'logout_all');
  }

  listSessions(userId: string): Promise<KeyStore[]> {
    return this.keyStore.listActive(userId);
  }

  async endSession(userId: string, sessionId: string): Promise<void> {
    if (!(await this.keyStore.revokeOwn(userId, sessionId, 'session_revoked'))) {
      throw new AppError('NOT_FOUND', 'No such session');
    }
  }

  /** Incident response: ends every session of any user. */
  async endAllSessionsOf(userId: string): Promise<void> {
    if (!(await this.users.findById(userId))) throw new AppError('NOT_FOUND', 'No such user');
    await this.keyStore.revokeAllForUser(userId, 'admin');
  }

  /** Changes the password and ends every other session, in one transaction. */
  async changePassword(user: AuthenticatedUser, currentPassword: string, newPassword: string): Promise<void> {
    await this.assertPassword(user.id, currentPassword);
    const passwordHash = await this.users.hashPassword(newPassword);
    await this.dataSource.transaction(async (manager) => {
      await this.users.setPasswordHash(user.id, passwordHash, manager);
      await this.keyStore.revokeAllForUser(user.id, 'password_changed', { keepSessionId: user.sessionId, manager });
    });
  }

  async deleteAccount(userId: string, password: string): Promise<void> {
    await this.assertPassword(userId, password);
    await this.users.delete(userId);
  }

  private async assertPassword(userId: string, password: string): Promise<void> {
    if (!(await this.users.checkPassword(userId, password))) {
      throw new AppError('INVALID_CREDENTIALS', 'The password is incorrect');
    }
  }

  private async issue(
    user: User,
    session: Pick<KeyStore, 'id' | 'expiresAt'>,
    keys: KeyPair,
    csrfToken: string,
  ): Promise<IssuedSession> {
    const [access, refresh] = await Promise.all([
      this.tokens.signAccess({ sub: user.id, sid: session.id, prm: keys.accessKey, roles: user.roles }, session.expiresAt),
      this.tokens.signRefresh({ sub: user.id, sid: session.id, prm: keys.refreshKey }, session.expiresAt),
    ]);
    return { user, sessionId: session.id, access, refresh, csrfToken };
  }

  /** No row: the user is gone (cascade) or the expired session was cleaned up. */
  private async missingSessionError(userId: string): Promise<AppError> {
    return (await this.users.findById(userId))
      ? new AppError('SESSION_REVOKED', 'This session has ended; sign in again')
      : new AppError('TOKEN_INVALID', 'The account of this token no longer exists');
  }
}
