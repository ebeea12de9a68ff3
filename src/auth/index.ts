/** What feature modules may use of authentication; nothing else of it is public. */
export type { AssuranceLevel, AuthenticatedUser, AuthMethod, TokenTransport } from '../common/authenticated-user';
export { CurrentUser } from '../common/decorators/current-user.decorator';
export { Public } from '../common/decorators/public.decorator';
export { Roles } from '../common/decorators/roles.decorator';
/** The route needs an `aal2` session (a second factor, or a passkey that verified its user): else 403 `MFA_REQUIRED`. */
export { RequireAal2 } from '../common/decorators/require-aal2.decorator';
/** Verifies an access token that did not come over HTTP (a WebSocket handshake, a queue message): the global guard's checks, KeyStore included. */
export { AccessTokenVerifier } from './access-token-verifier.service';
/** For `AuthGuard(JWT_STRATEGY)` from @nestjs/passport; the global guard already protects every route. */
export { JWT_STRATEGY } from '../tokens';
/** What the service emits (after commit) through @nestjs/event-emitter, for `@OnEvent(AUTH_EVENTS.userRegistered)`. */
export { AUTH_EVENTS, EmailVerifiedEvent, PasswordChangedEvent, SessionRevokedEvent, SessionStartedEvent, UserDeletedEvent, UserRegisteredEvent } from '../sessions';
