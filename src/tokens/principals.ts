import type { AuthenticatedUser, TokenTransport } from '../common/authenticated-user';

/** The principal of a refresh (or logout) request authenticated by a refresh token. */
export interface RefreshPrincipal {
  id: string;
  sessionId: string;
  /** The session key the refresh token carries (`prm`). */
  refreshKey: string;
  via: TokenTransport;
}

export type SessionPrincipal = AuthenticatedUser | RefreshPrincipal;

/** A token with the moment it expires (to the second, as in its `exp`). */
export interface SignedToken {
  token: string;
  expiresAt: Date;
  /** Seconds from its signing to its expiry (`exp - iat`). */
  lifetimeSeconds: number;
}
