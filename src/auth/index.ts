/** What feature modules may use from AuthModule; nothing else of it is public. */
export type { AuthenticatedUser, TokenTransport } from '../common/authenticated-user';
export { CurrentUser } from '../common/decorators/current-user.decorator';
export { Public } from '../common/decorators/public.decorator';
export { Roles } from '../common/decorators/roles.decorator';
/** For `AuthGuard(JWT_STRATEGY)` from @nestjs/passport; the global guard already protects every route. */
export { JWT_STRATEGY } from '../tokens/strategies/strategy-names';
/** What AuthModule emits (after commit) through @nestjs/event-emitter, for `@OnEvent(AUTH_EVENTS.userRegistered)`. */
export {
  AUTH_EVENTS,
  EmailVerifiedEvent,
  PasswordChangedEvent,
  SessionRevokedEvent,
  SessionStartedEvent,
  UserDeletedEvent,
  UserRegisteredEvent,
} from '../sessions/auth-events';
/** Verifies a token outside an HTTP request (a WebSocket handshake, a queue consumer): the checks of the guards. */
export { TokenService } from '../tokens/token.service';
