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

/** Who is asking, as recorded with sessions and security events. */
export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}
