/** How a token reached the service: cookie-authenticated unsafe requests need a CSRF token. */
export type TokenTransport = 'cookie' | 'bearer' | 'body';

/** Authenticator assurance: `aal1` one factor, `aal2` two (or a passkey that verified its user). */
export type AssuranceLevel = 'aal1' | 'aal2';

/** How a session was started, in RFC 8176's method references where one fits. */
export type AuthMethod = 'pwd' | 'otp' | 'hwk' | 'user' | 'recovery_code' | 'fed';

/** The principal of a request authenticated by an access token: what `@CurrentUser()` returns. */
export interface AuthenticatedUser {
  /** User id (`sub`). */
  id: string;
  /** Session id (`sid`): the KeyStore row this token belongs to. */
  sessionId: string;
  roles: string[];
  /** The session's assurance as the KeyStore holds it now: a session that enables a second factor is `aal2` at once. */
  aal: AssuranceLevel;
  amr: AuthMethod[];
  via: TokenTransport;
}

/** Who is asking, as recorded with sessions and security events. */
export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
  /** The request's id (its X-Request-Id), for the log lines of what it records; none outside a request. */
  requestId?: string | null;
}
