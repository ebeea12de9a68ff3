import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Not, Repository } from 'typeorm';
import { CacheInvalidation } from '../cache/cache-invalidation.service';
import { idIn, InvalidationKeys } from '../cache/invalidation-keys';
import { ReadThroughCache } from '../cache/read-through-cache';
import { AppError } from '../common/error-code';
import { isUniqueViolation, transactionWithRetry } from '../database/transactions';
import { Metrics } from '../metrics/metrics.service';
import { normalizeEmail } from './email';
import { PasswordHasher } from './password-hasher.service';
import { ADMIN_ROLE } from './roles';
import { User } from './user.entity';

export type CredentialCheck = { ok: true; user: User } | { ok: false; userId: string | null };

const PROFILE_CACHE_MAX = 50_000;
const PROFILE_CACHE_TTL_MS = 5 * 60_000;

/**
 * The only code that reads or writes users. Profiles are read through a
 * bounded cache that every change invalidates on every instance. (A change
 * made to the table by hand reaches the cache within PROFILE_CACHE_TTL_MS.)
 */
@Injectable()
export class UsersService {
  private readonly profiles: ReadThroughCache<User>;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly passwords: PasswordHasher,
    private readonly invalidation: CacheInvalidation,
    metrics: Metrics,
  ) {
    this.profiles = new ReadThroughCache<User>(invalidation, {
      max: PROFILE_CACHE_MAX,
      ttlMs: PROFILE_CACHE_TTL_MS,
      onLookup: metrics.cacheLookups('profile'),
      invalidatedBy: (key) => idIn(key, 'profile') ?? idIn(key, 'user'),
    });
  }

  /**
   * Creates a user from a hash of `hashPassword`, or without a password (null: an account made by an
   * identity provider); `manager` lets the caller record the event in the same transaction.
   */
  async create(
    email: string,
    passwordHash: string | null,
    name: string | undefined,
    manager?: EntityManager,
    options: { emailVerified?: boolean } = {},
  ): Promise<User> {
    const users = manager?.getRepository(User) ?? this.users;
    try {
      const { identifiers } = await users.insert({ email: normalizeEmail(email), passwordHash, name: name ?? null, emailVerified: options.emailVerified ?? false });
      return await users.findOneByOrFail({ id: identifiers[0].id as string });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError('EMAIL_TAKEN', 'An account with this email already exists');
      }
      throw error;
    }
  }

  /**
   * Checks an email and password. An unknown email costs as much as a wrong
   * password (a dummy hash is verified), and neither says which it was to the
   * client; `userId` tells the caller whose failed attempt to record.
   */
  async verifyCredentials(email: string, password: string): Promise<CredentialCheck> {
    const user = await this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.email = :email', { email: normalizeEmail(email) })
      .getOne();
    const matches = await this.passwords.verify(user?.passwordHash ?? undefined, password);
    if (user && matches) {
      const { passwordHash: _hash, ...profile } = user;
      return { ok: true, user: profile as User };
    }
    return { ok: false, userId: user?.id ?? null };
  }

  /** Whether `password` is the user's current password. */
  async checkPassword(userId: string, password: string): Promise<boolean> {
    const user = await this.users.createQueryBuilder('user').addSelect('user.passwordHash').where('user.id = :userId', { userId }).getOne();
    return this.passwords.verify(user?.passwordHash ?? undefined, password);
  }

  /**
   * Throws `INVALID_CREDENTIALS` unless `password` is the user's current password, and
   * `PASSWORD_NOT_SET` for an account that has none (it sets one through forgot-password).
   */
  async assertPassword(userId: string, password: string): Promise<void> {
    if (await this.checkPassword(userId, password)) return;
    if ((await this.findById(userId))?.hasPassword === false) throw passwordNotSet();
    throw new AppError('INVALID_CREDENTIALS', 'The password is incorrect');
  }

  /** Whether an account has this address (read from the database, not the cache). */
  async emailTaken(email: string): Promise<boolean> {
    return this.users.existsBy({ email: normalizeEmail(email) });
  }

  /** The profile (cached; treat it as read-only). */
  findById(id: string): Promise<User | null> {
    return this.profiles.get(id, () => this.users.findOneBy({ id }));
  }

  async getById(id: string): Promise<User> {
    const user = await this.findById(id);
    if (!user) throw new AppError('NOT_FOUND', 'No such user');
    return user;
  }

  async rename(id: string, name: string): Promise<User> {
    await this.users.manager.transaction(async (manager) => {
      await manager.getRepository(User).update({ id }, { name });
      await this.invalidation.publish(manager, InvalidationKeys.profile(id));
    });
    return this.getById(id);
  }

  /** Hashing is slow: do it before opening the transaction that stores the hash. */
  hashPassword(password: string): Promise<string> {
    return this.passwords.hash(password);
  }

  /** Stores a hash from `hashPassword`, in the caller's transaction (which ends sessions and voids tokens with it). */
  async setPasswordHash(id: string, passwordHash: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(User).update({ id }, { passwordHash });
    await this.invalidation.publish(manager, InvalidationKeys.profile(id));
  }

  /**
   * Takes the user's row lock in the caller's transaction and reads the user
   * as stored now (null: gone). Work on one account takes this lock first,
   * before its sessions, tokens or mails, so that two such transactions
   * never wait for each other in opposite orders. (It does not block the
   * inserts that reference the user, such as a new session or event.)
   */
  lockInTransaction(id: string, manager: EntityManager): Promise<User | null> {
    return manager.getRepository(User).findOne({ where: { id }, lock: { mode: 'for_no_key_update' } });
  }

  /**
   * Locks the enabled admins' rows, in one order, in the caller's transaction, and answers their ids: a change
   * that may leave no admin takes this first (before the user's own lock), so that two such changes take turns.
   */
  async lockEnabledAdmins(manager: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await manager.query('SELECT id FROM users WHERE $1 = ANY(roles) AND NOT disabled ORDER BY id FOR NO KEY UPDATE', [
      ADMIN_ROLE,
    ]);
    return rows.map((row) => row.id);
  }

  /** An admin's change of the roles or the disabled flag, in the caller's transaction (which ends the sessions with it). */
  async setAccess(id: string, access: { roles?: string[]; disabled?: boolean }, manager: EntityManager): Promise<void> {
    await manager.getRepository(User).update({ id }, access);
    await this.invalidation.publish(manager, InvalidationKeys.profile(id));
  }

  /**
   * For anything that secures the account (a new password, signing out
   * everywhere, an admin ending the sessions, ...), in its transaction: every
   * mailed token issued before is void from now on (their `securityStamp` is
   * behind the user's), and so is a pending change of address.
   */
  async voidPendingTokens(id: string, manager: EntityManager): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(User)
      .set({ securityStamp: () => 'security_stamp + 1', pendingEmail: null, pendingEmailExpiresAt: null })
      .where('id = :id', { id })
      .execute();
    await this.invalidation.publish(manager, InvalidationKeys.profile(id));
  }

  /** Records a change of address awaiting confirmation (replacing an earlier one), in the caller's transaction. */
  async setPendingEmail(id: string, email: string, expiresAt: Date, manager: EntityManager): Promise<void> {
    await manager.getRepository(User).update({ id }, { pendingEmail: normalizeEmail(email), pendingEmailExpiresAt: expiresAt });
    await this.invalidation.publish(manager, InvalidationKeys.profile(id));
  }

  /** Drops a pending change of address, if there is one. */
  async clearPendingEmail(id: string, manager: EntityManager): Promise<void> {
    const result = await manager.getRepository(User).update({ id, pendingEmail: Not(IsNull()) }, { pendingEmail: null, pendingEmailExpiresAt: null });
    if ((result.affected ?? 0) > 0) await this.invalidation.publish(manager, InvalidationKeys.profile(id));
  }

  /** Records whether sign-ins need a second factor, in the transaction that changes the factor. */
  async setMfaEnabled(id: string, enabled: boolean, manager: EntityManager): Promise<void> {
    await manager.getRepository(User).update({ id }, { mfaEnabled: enabled });
    await this.invalidation.publish(manager, InvalidationKeys.profile(id));
  }

  /**
   * When the latest session started, in the transaction that starts it (which holds the user's lock). Not
   * published: it is read only from the table (admin views), never from a cached profile.
   */
  async recordLogin(id: string, at: Date, manager: EntityManager): Promise<void> {
    // Not through the repository, which would move `updated_at` too: a login changes nothing of the profile.
    await manager.query('UPDATE users SET last_login_at = $2 WHERE id = $1', [id, at]);
  }

  /** Whether an admin disabled the account, read from the table (not the cache): for the answers that must not lag. */
  async isDisabled(id: string): Promise<boolean> {
    return this.users.existsBy({ id, disabled: true });
  }

  /** Marks the address verified, in the caller's transaction; every instance drops the cached profile. */
  async setEmailVerified(id: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(User).update({ id }, { emailVerified: true });
    await this.invalidation.publish(manager, InvalidationKeys.profile(id));
  }

  /**
   * Makes `email` (confirmed by a mailed link) the user's address, verified;
   * the pending change is done, and tokens mailed to the old address are void.
   * `EMAIL_TAKEN` if another account has the address by now.
   */
  async changeEmail(id: string, email: string, manager: EntityManager): Promise<void> {
    try {
      await manager
        .createQueryBuilder()
        .update(User)
        .set({ email: normalizeEmail(email), emailVerified: true, pendingEmail: null, pendingEmailExpiresAt: null, securityStamp: () => 'security_stamp + 1' })
        .where('id = :id', { id })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('EMAIL_TAKEN', 'An account with this email already exists');
      throw error;
    }
    await this.invalidation.publish(manager, InvalidationKeys.profile(id));
  }

  /**
   * Deletes the user; the database cascades to every session and event. `before` runs first in the same
   * transaction (an admin's checks and audit entry).
   */
  async delete(id: string, before?: (manager: EntityManager) => Promise<void>): Promise<void> {
    await transactionWithRetry(this.users.manager.connection, async (manager) => {
      await before?.(manager);
      await manager.getRepository(User).delete({ id });
      await this.invalidation.publish(manager, InvalidationKeys.user(id));
    });
  }
}

function passwordNotSet(): AppError {
  return new AppError('PASSWORD_NOT_SET', 'This account has no password: set one through "forgot password" first');
}
