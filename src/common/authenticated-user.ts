import type { User } from '../users/user.entity';

/** How a token reached the service: cookie-authenticated unsafe requests need a CSRF token. */
export type TokenTransport = 'cookie' | 'bearer' | 'body';

/** The principal of a request authenticated by an access token: what `@CurrentUser()` returns. */
export interface AuthenticatedUser {
  /** User id (`sub`). */
  id: string;
  /** Session id (`sid`): the KeyStore row this token belongs to. */
  sessionId: string;
  roles: string[];
  via: TokenTransport;
}

/** The principal of a refresh (or logout) request authenticated by a refresh token. */
export interface RefreshPrincipal {
  id: string;
  sessionId: string;
  /** The session key the refresh token carries (`prm`). */
  refreshKey: string;
  via: TokenTransport;
}

export type SessionPrincipal = AuthenticatedUser | RefreshPrincipal;

/** Who is asking, as recorded with sessions and security events. */
export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

/** A token with the moment it expires (to the second, as in its `exp`). */
export interface SignedToken {
  token: string;
  expiresAt: Date;
  /** Seconds from its signing to its expiry (`exp - iat`). */
  lifetimeSeconds: number;
}

/** A session's freshly signed pair, as login and refresh hand it out. */
export interface IssuedSession {
  user: User;
  sessionId: string;
  access: SignedToken;
  refresh: SignedToken;
  csrfToken: string;
}
