import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { CLEANUP_INTERVAL_MS, deleteExpiredRows } from '../database/hourly-cleanup';
import { hashKey, newRandomKey } from '../sessions';
import { AccountToken, AccountTokenKind } from './account-token.entity';

/** How long a reset in progress holds its token: past this (its instance died), the token is free again. */
const CLAIM_SECONDS = 30;

/** A token taken out of the table: what it was issued for. */
export type UsedToken = Pick<AccountToken, 'userId' | 'kind' | 'email' | 'securityStamp' | 'expiresAt'>;

/** Issues and consumes mailed single-use tokens (32 random bytes, base64url), stored as SHA-256 hashes. */
@Injectable()
export class AccountTokens {
  private readonly logger = new Logger(AccountTokens.name);

  constructor(
    @InjectRepository(AccountToken) private readonly tokens: Repository<AccountToken>,
    private readonly clock: Clock,
  ) {}

  /**
   * A new token of `kind` for the user, bound to `email` and to the user's
   * current security stamp, replacing any earlier one of that kind: the
   * database keeps one per user and kind, whatever races. In the caller's
   * transaction, which holds the user's lock.
   */
  async issue(kind: AccountTokenKind, user: { id: string; securityStamp: number }, email: string, expiresAt: Date, manager: EntityManager): Promise<string> {
    const token = newRandomKey();
    await manager.query(
      `INSERT INTO account_tokens (token_hash, user_id, kind, email, security_stamp, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id, kind) DO UPDATE
         SET token_hash = excluded.token_hash, email = excluded.email, security_stamp = excluded.security_stamp,
             expires_at = excluded.expires_at, created_at = now(), claimed_until = NULL`,
      [hashKey(token), user.id, kind, email, user.securityStamp, expiresAt],
    );
    return token;
  }

  /** Whose token this is, if it is one of `kinds` (it may have expired or be void: `consume` tells). */
  async ownerOf(token: string, kinds: AccountTokenKind[]): Promise<string | null> {
    const [row] = await this.tokens.query<Array<{ user_id: string }>>('SELECT user_id FROM account_tokens WHERE token_hash = $1 AND kind = ANY($2)', [
      hashKey(token),
      kinds,
    ]);
    return row?.user_id ?? null;
  }

  /**
   * Holds a live token for the one request that uses it, so that the slow
   * work before it is consumed (hashing a new password) is done once however
   * many requests carry it: the others get null meanwhile. Answers the id of
   * the token's user. `release` gives it back if that work fails.
   */
  async claim(token: string, kind: AccountTokenKind): Promise<string | null> {
    const now = new Date(this.clock.now());
    const [row] = await this.tokens.query<Array<{ user_id: string }>>(
      `WITH claimed AS (
         UPDATE account_tokens SET claimed_until = $3
          WHERE token_hash = $1 AND kind = $2 AND expires_at > $4 AND (claimed_until IS NULL OR claimed_until <= $4)
         RETURNING user_id
       )
       SELECT user_id FROM claimed`,
      [hashKey(token), kind, new Date(now.getTime() + CLAIM_SECONDS * 1000), now],
    );
    return row?.user_id ?? null;
  }

  async release(token: string): Promise<void> {
    await this.tokens.update({ tokenHash: hashKey(token) }, { claimedUntil: null });
  }

  /**
   * Takes the token out, in the caller's transaction (which has locked its
   * user first): only one caller ever gets it. Null when it is gone or has
   * expired; whether it is still good for the account is the caller's to say.
   */
  async consume(token: string, kinds: AccountTokenKind[], manager: EntityManager): Promise<UsedToken | null> {
    const [row]: Array<{ user_id: string; kind: AccountTokenKind; email: string; security_stamp: number; expires_at: Date | string }> = await manager.query(
      `WITH used AS (DELETE FROM account_tokens WHERE token_hash = $1 AND kind = ANY($2) RETURNING user_id, kind, email, security_stamp, expires_at)
       SELECT * FROM used`,
      [hashKey(token), kinds],
    );
    if (!row) return null;
    const used = { userId: row.user_id, kind: row.kind, email: row.email, securityStamp: Number(row.security_stamp), expiresAt: new Date(row.expires_at) };
    return used.expiresAt.getTime() > this.clock.now() ? used : null;
  }

  /** Removes the user's token of `kind`, if any (a change of address cancelled or replaced). */
  async remove(userId: string, kind: AccountTokenKind, manager: EntityManager): Promise<void> {
    await manager.getRepository(AccountToken).delete({ userId, kind });
  }

  /** Removes tokens past their expiry, used or not, so that the table does not grow without bound. */
  @Interval(CLEANUP_INTERVAL_MS)
  deleteExpired(): Promise<number> {
    return deleteExpiredRows(this.logger, 'Expired-token', this.tokens, this.clock.now());
  }
}
