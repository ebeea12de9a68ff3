/** What other modules may use of SessionsModule. */
export { SessionsModule } from './sessions.module';
export { sessionsConfig } from './sessions.config';
export type { SessionsConfig } from './sessions.config';
export { KeyStoreService, revokeActiveSessionsOf } from './key-store.service';
export { SessionAuthenticator } from './session-authenticator.service';
export type { AccessCredential } from './session-authenticator.service';
export { SessionEndings } from './session-endings';
export { SessionsService } from './sessions.service';
export { assertSecondFactorUsed, RECENT_SIGN_IN_MS, UserPresence } from './user-presence';
export { KeyStore } from './key-store.entity';
export type { AssuranceLevel, AuthMethod, RevokedReason } from './key-store.entity';
export { hashKey, newRandomKey } from './session-keys';
export type { KeyPair } from './session-keys';
export {
  AUTH_EVENTS,
  EmailVerifiedEvent,
  PasswordChangedEvent,
  SessionRevokedEvent,
  SessionStartedEvent,
  UserDeletedEvent,
  UserRegisteredEvent,
} from './auth-events';
export { SessionDto } from './dto/session-list.dto';
