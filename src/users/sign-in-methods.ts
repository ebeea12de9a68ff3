import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/error-code';
import { User } from './user.entity';

/** How many ways in of one kind (passkeys, linked identities, ...) an account has, read in the caller's transaction. */
export type SignInMethodCounter = (userId: string, manager: EntityManager) => Promise<number>;

/**
 * The ways into an account: its password, and whatever the modules above
 * register (passkeys, linked identities). Removing one asks here first, under
 * the user's row lock, so that two removals at once cannot leave an account
 * that nobody can sign in to, and a way in added later is counted without
 * changing the code that removes the others.
 */
@Injectable()
export class SignInMethods {
  private readonly counters = new Map<string, SignInMethodCounter>();

  register(kind: string, counter: SignInMethodCounter): void {
    this.counters.set(kind, counter);
  }

  /** How many ways in the account has; call it holding the user's row lock (`UsersService.lockInTransaction`). */
  async count(userId: string, manager: EntityManager): Promise<number> {
    const password = await manager
      .getRepository(User)
      .createQueryBuilder('user')
      .where('user.id = :userId AND user.password_hash IS NOT NULL', { userId })
      .getCount();
    const others = await Promise.all([...this.counters.values()].map((counter) => counter(userId, manager)));
    return others.reduce((sum, count) => sum + count, password);
  }

  /** Throws `LAST_SIGN_IN_METHOD` unless the account keeps a way in once one of them (`what`) is removed. */
  async assertNotLast(userId: string, manager: EntityManager, what: string): Promise<void> {
    if ((await this.count(userId, manager)) > 1) return;
    throw new AppError('LAST_SIGN_IN_METHOD', `${what} is the last way to sign in to the account: add a passkey, link an identity, or set a password first`);
  }
}
