import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { AUTH_EVENTS, PasswordChangedEvent, SessionsService, UserDeletedEvent } from '../sessions';
import { UsersService } from '../users';

/** What a signed-in user does to their own credentials: a new password, or the end of the account. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly emitter: EventEmitter2,
  ) {}

  /** Changes the password, ends every other session and voids every mailed token and pending change of address, in one transaction. */
  async changePassword(user: AuthenticatedUser, currentPassword: string, newPassword: string, client: ClientInfo): Promise<void> {
    await this.users.assertPassword(user.id, currentPassword);
    const passwordHash = await this.users.hashPassword(newPassword);
    await this.sessions.secureAccount(
      user.id,
      { reason: 'password_changed', event: 'password_changed', client, sessionId: user.sessionId, keepSessionId: user.sessionId },
      (manager) => this.users.setPasswordHash(user.id, passwordHash, manager),
    );
    this.emitter.emit(AUTH_EVENTS.passwordChanged, new PasswordChangedEvent(user.id));
  }

  async deleteAccount(userId: string, password: string): Promise<void> {
    await this.users.assertPassword(userId, password);
    await this.users.delete(userId);
    this.emitter.emit(AUTH_EVENTS.userDeleted, new UserDeletedEvent(userId));
  }
}
