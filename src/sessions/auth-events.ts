import type { ClientInfo } from '../common/authenticated-user';
import type { RevokedReason } from './key-store.entity';

/**
 * What AuthModule tells the rest of the application, through
 * `@nestjs/event-emitter`, once the change has been committed. A feature
 * module reacts with `@OnEvent(AUTH_EVENTS.userRegistered)`; its listener
 * runs after the response is decided and its errors are logged, never
 * answered to the client.
 */
export const AUTH_EVENTS = {
  userRegistered: 'auth.user.registered',
  userDeleted: 'auth.user.deleted',
  sessionStarted: 'auth.session.started',
  sessionRevoked: 'auth.session.revoked',
  passwordChanged: 'auth.password.changed',
  emailVerified: 'auth.email.verified',
} as const;

export class UserRegisteredEvent {
  constructor(
    readonly userId: string,
    readonly email: string,
  ) {}
}

export class UserDeletedEvent {
  constructor(readonly userId: string) {}
}

export class SessionStartedEvent {
  constructor(
    readonly userId: string,
    readonly sessionId: string,
    readonly client: ClientInfo,
  ) {}
}

/** One or more sessions of a user ended together (a logout, logout-all, a password change, theft detection, an admin). */
export class SessionRevokedEvent {
  constructor(
    readonly userId: string,
    readonly sessionIds: string[],
    readonly reason: RevokedReason,
  ) {}
}

export class PasswordChangedEvent {
  constructor(readonly userId: string) {}
}

export class EmailVerifiedEvent {
  constructor(
    readonly userId: string,
    readonly email: string,
  ) {}
}
