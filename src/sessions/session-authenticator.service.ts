import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { UsersService } from '../users';
import { AuthenticatedUser, TokenTransport } from '../common/authenticated-user';
import { isLive, KeyStoreService } from './key-store.service';
import { hashKey, sameHash } from './session-keys';

/** What an access token whose signature and claims were verified says of its session. */
export interface AccessCredential {
  /** User id. */
  sub: string;
  /** Session id: the KeyStore row. */
  sid: string;
  /** The session's current access key. */
  prm: string;
  roles: string[];
}

/**
 * What the guards and strategies ask of the KeyStore on every request: is the
 * session of this verified access token active, its key current and its user
 * the token's subject; and is this the session's CSRF token.
 */
@Injectable()
export class SessionAuthenticator {
  /** The hash of each verified token's key, made once: a cached token's claims are the same object on every request. */
  private readonly keyHashes = new WeakMap<AccessCredential, string>();

  constructor(
    private readonly keyStore: KeyStoreService,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  async authenticateAccess(claims: AccessCredential, via: TokenTransport): Promise<AuthenticatedUser> {
    const session = await this.keyStore.findState(claims.sid);
    if (!session) throw await this.missingSessionError(claims.sub);
    if (session.userId !== claims.sub) throw new AppError('TOKEN_INVALID', 'The access token does not match its session');
    if (session.status !== 'active' || !isLive(session, new Date(this.clock.now())) || !sameHash(session.accessKeyHash, this.keyHashOf(claims))) {
      throw new AppError('SESSION_REVOKED', 'This session has ended or its tokens were rotated; refresh or sign in again');
    }
    return { id: claims.sub, sessionId: claims.sid, roles: claims.roles, aal: session.aal, amr: session.amr, via };
  }

  private keyHashOf(claims: AccessCredential): string {
    let hash = this.keyHashes.get(claims);
    if (hash === undefined) {
      hash = hashKey(claims.prm);
      this.keyHashes.set(claims, hash);
    }
    return hash;
  }

  async assertCsrfToken(sessionId: string, csrfToken: string | undefined): Promise<void> {
    const session = csrfToken ? await this.keyStore.findState(sessionId) : null;
    if (!session || !sameHash(session.csrfTokenHash, hashKey(csrfToken!))) {
      throw new AppError('CSRF_TOKEN_INVALID', "Send this session's CSRF token in the X-CSRF-Token header");
    }
  }

  /** No row: the user is gone (cascade) or the expired session was cleaned up. */
  private async missingSessionError(userId: string): Promise<AppError> {
    return (await this.users.findById(userId))
      ? new AppError('SESSION_REVOKED', 'This session has ended; sign in again')
      : new AppError('TOKEN_INVALID', 'The account of this token no longer exists');
  }
}
