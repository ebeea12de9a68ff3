import type { KeyPair, KeyStore } from '../sessions';
import type { SignedToken, TokenService } from '../tokens';
import type { User } from '../users';

/** A session's freshly signed pair, as login and refresh hand it out. */
export interface IssuedSession {
  user: User;
  sessionId: string;
  access: SignedToken;
  refresh: SignedToken;
  csrfToken: string;
}

/** Signs the pair that carries a session's current keys. */
export function sessionTokens(
  tokens: TokenService,
  user: User,
  session: Pick<KeyStore, 'id' | 'expiresAt' | 'aal' | 'amr'>,
  keys: KeyPair,
  csrfToken: string,
): IssuedSession {
  const access = tokens.signAccess({ sub: user.id, sid: session.id, prm: keys.accessKey, roles: user.roles, aal: session.aal, amr: session.amr }, session.expiresAt);
  const refresh = tokens.signRefresh({ sub: user.id, sid: session.id, prm: keys.refreshKey }, session.expiresAt);
  return { user, sessionId: session.id, access, refresh, csrfToken };
}
