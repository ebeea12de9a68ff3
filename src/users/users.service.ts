import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, QueryFailedError, Repository } from 'typeorm';
import { AppError } from '../common/error-code';
import { normalizeEmail } from './email';
import { PasswordHasher } from './password-hasher.service';
import { User } from './user.entity';

const UNIQUE_VIOLATION = '23505';

/** The only code that reads or writes users. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly passwords: PasswordHasher,
  ) {}

  async register(email: string, password: string, name?: string): Promise<User> {
    const passwordHash = await this.passwords.hash(password);
    try {
      const { identifiers } = await this.users.insert({ email: normalizeEmail(email), passwordHash, name: name ?? null });
      return await this.getById(identifiers[0].id as string);
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new AppError('EMAIL_TAKEN', 'An account with this email already exists');
      }
      throw error;
    }
  }

  /** The user whose email and password match, or `null`; an unknown email costs as much as a wrong password. */
  async findByCredentials(email: string, password: string): Promise<User | null> {
    const user = await this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.email = :email', { email: normalizeEmail(email) })
      .getOne();
    const matches = await this.passwords.verify(user?.passwordHash, password);
    return matches && user ? user : null;
  }

  /** Whether `password` is the user's current password. */
  async checkPassword(userId: string, password: string): Promise<boolean> {
    const user = await this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.id = :userId', { userId })
      .getOne();
    return this.passwords.verify(user?.passwordHash, password);
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  async getById(id: string): Promise<User> {
    const user = await this.findById(id);
    if (!user) throw new AppError('NOT_FOUND', 'No such user');
    return user;
  }

  async rename(id: string, name: string): Promise<User> {
    await this.users.update({ id }, { name });
    return this.getById(id);
  }

  /** Hashing is slow: do it before opening the transaction that stores the hash. */
  hashPassword(password: string): Promise<string> {
    return this.passwords.hash(password);
  }

  /** Stores a hash from `hashPassword`; `manager` lets the caller end sessions in the same transaction. */
  async setPasswordHash(id: string, passwordHash: string, manager?: EntityManager): Promise<void> {
    await (manager?.getRepository(User) ?? this.users).update({ id }, { passwordHash });
  }

  /** Deletes the user; the database cascades to every session. */
  async delete(id: string): Promise<void> {
    await this.users.delete({ id });
  }
}
