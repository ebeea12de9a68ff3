import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../common/authenticated-user';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { User, UsersService } from '../users';
import { KeyStoreService } from './key-store.service';

/** A new way in, or one fewer, on an account with a second factor needs a session that used it (`aal2`): MFA_REQUIRED otherwise. */
export function assertSecondFactorUsed(account: Pick<User, 'mfaEnabled'>, session: AuthenticatedUser, toDo: string): void {
  if (account.mfaEnabled && session.aal !== 'aal2') throw new AppError('MFA_REQUIRED', `This account has a second factor: sign in with it to ${toDo}`);
}

/** How long a sign-in counts as the user being present, for an account that has no password to ask for. */
export const RECENT_SIGN_IN_MS = 10 * 60_000;

/**
 * Confirms that the user is at the keyboard before a new way in is added (a
 * second factor, a passkey, a linked identity): a stolen access token alone
 * must not be enough. The password when the account has one; otherwise a
 * session started in the last 10 minutes. A password is checked on every
 * call, so callers are rate-limited like every password check.
 */
@Injectable()
export class UserPresence {
  constructor(
    private readonly users: UsersService,
    private readonly keyStore: KeyStoreService,
    private readonly clock: Clock,
  ) {}

  /** Answers the account as it is now, or throws VALIDATION_FAILED, INVALID_CREDENTIALS or REAUTHENTICATION_REQUIRED. */
  async confirm(user: AuthenticatedUser, password: string | undefined): Promise<User> {
    const account = await this.users.getById(user.id);
    if (account.hasPassword) {
      if (password === undefined) {
        throw new AppError('VALIDATION_FAILED', 'The current password is required', { details: [{ field: 'password', messages: ['password is required'] }] });
      }
      await this.users.assertPassword(user.id, password);
    } else {
      const startedAt = await this.keyStore.startedAt(user.sessionId);
      if (!startedAt || this.clock.now() - startedAt.getTime() > RECENT_SIGN_IN_MS) {
        throw new AppError('REAUTHENTICATION_REQUIRED', 'Sign in again first: this account has no password, so a recent sign-in confirms it is you');
      }
    }
    return account;
  }
}
