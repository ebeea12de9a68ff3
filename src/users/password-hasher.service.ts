import { Inject, Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';
import { AppError } from '../common/error-code';
import { UsersConfig, usersConfig } from './users.config';
import { Metrics } from '../metrics/metrics.service';

/** OWASP's argon2id parameters: m=19456 KiB, t=2, p=1. (`Algorithm` is an ambient const enum: 2 is Argon2id.) */
const ARGON2ID = { algorithm: 2 as Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** What a client refused for a full queue is told to wait; one argon2 run takes tens of milliseconds. */
const RETRY_AFTER_SECONDS = 1;

/**
 * argon2id hashing; the native binding runs it on libuv's thread pool, off the
 * event loop. Every hash and verification goes through one bounded queue
 * (PASSWORD_HASH_CONCURRENCY at once, PASSWORD_HASH_QUEUE waiting): a burst of
 * logins past it is refused with 503 instead of starving the thread pool that
 * every other request needs.
 */
@Injectable()
export class PasswordHasher {
  private readonly limit: pLimit.Limit;
  private readonly capacity: number;
  /**
   * Verifying against this costs the same as against a real hash, so an
   * unknown email takes as long as a wrong password. Made once at start,
   * outside the queue: it is no request's work.
   */
  private readonly dummyHash = hash('dummy password for unknown accounts', ARGON2ID);

  constructor(@Inject(usersConfig.KEY) config: UsersConfig, metrics: Metrics) {
    const { concurrency, queue } = config.passwordHashing;
    this.limit = pLimit(concurrency);
    this.capacity = concurrency + queue;
    metrics.gauge('auth_password_hash_queue_depth', 'Password hashes and verifications running or waiting', () => this.queueDepth);
  }

  /** Hashes and verifications running or waiting (for the `auth_password_hash_queue_depth` gauge). */
  get queueDepth(): number {
    return this.limit.activeCount + this.limit.pendingCount;
  }

  hash(password: string): Promise<string> {
    return this.enqueue(() => hash(normalizePassword(password), ARGON2ID));
  }

  /** Whether `password` matches; an undefined hash (unknown account) is verified against the dummy and never matches. */
  async verify(passwordHash: string | undefined, password: string): Promise<boolean> {
    const against = passwordHash ?? (await this.dummyHash);
    const matches = await this.enqueue(() => verify(against, normalizePassword(password)).catch(() => false));
    return matches && passwordHash !== undefined;
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (this.queueDepth >= this.capacity) {
      return Promise.reject(new AppError('SERVICE_UNAVAILABLE', 'Too many password checks at once; try again shortly', { retryAfterSeconds: RETRY_AFTER_SECONDS }));
    }
    return this.limit(work);
  }
}

/** Passwords are NFKC-normalised so the same passphrase typed on two keyboards matches. */
function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}
