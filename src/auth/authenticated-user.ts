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
