import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, LessThan, Repository } from 'typeorm';
import { StatementPart, withParts } from '../../cache/statement-part';
import { Clock } from '../../common/clock';
import { hashKey, newRandomKey } from '../session-keys';
import { AccountToken, AccountTokenKind } from './account-token.entity';

export interface IssuedToken {
  /** The token itself, for the mail: it is stored only as a hash. */
  token: string;
  userId: string;
  email: string;
}

/** Issues and consumes mailed single-use tokens (32 random bytes, base64url). */
@Injectable()
export class AccountTokens {
  constructor(
    @InjectRepository(AccountToken) private readonly tokens: Repository<AccountToken>,
    private readonly clock: Clock,
  ) {}

  /** A new token of `kind` for the user, replacing any earlier one of that kind; `manager` is the caller's transaction. */
  async issue(kind: AccountTokenKind, userId: string, email: string, ttlSeconds: number, manager: EntityManager): Promise<IssuedToken> {
    const token = newRandomKey();
    const repository = manager.getRepository(AccountToken);
    await repository.delete({ userId, kind });
    await repository.insert({ tokenHash: hashKey(token), userId, kind, email, expiresAt: this.expiresAt(ttlSeconds) });
    return { token, userId, email };
  }

  /**
   * The same, for whoever has `email`, if anyone: one statement looks the
   * account up, replaces its token and runs `alsoRecord` (which reads
   * `user_id` and `id`, here null, from the issued row), so that an unknown
   * address costs the database the same statement as a known one.
   */
  async issueForAddress(kind: AccountTokenKind, email: string, ttlSeconds: number, manager: EntityManager, alsoRecord: StatementPart): Promise<IssuedToken | null> {
    const token = newRandomKey();
    const params = [email, kind, hashKey(token), this.expiresAt(ttlSeconds)];
    const parts = withParts('issued', params.length, [alsoRecord]);
    const rows: Array<{ user_id: string; email: string }> = await manager.query(
      `WITH account AS (SELECT id, email FROM users WHERE email = $1),
       superseded AS (DELETE FROM account_tokens USING account WHERE account_tokens.user_id = account.id AND account_tokens.kind = $2),
       issued AS (
         INSERT INTO account_tokens (token_hash, user_id, kind, email, expires_at)
         SELECT $3, id, $2, email, $4 FROM account
         RETURNING user_id, NULL::uuid AS id, email
       )${parts.ctes}
       SELECT user_id, email FROM issued`,
      [...params, ...parts.params],
    );
    return rows.length > 0 ? { token, userId: rows[0].user_id, email: rows[0].email } : null;
  }

  /** The unexpired token of one of `kinds`, left in place (to check it before slow work). */
  async find(token: string, kinds: AccountTokenKind[]): Promise<AccountToken | null> {
    const row = await this.tokens.findOneBy({ tokenHash: hashKey(token), kind: In(kinds) });
    return row && this.isLive(row) ? row : null;
  }

  /** Takes the token out, in the caller's transaction: it is used, or it was expired. Only one caller ever gets it. */
  async consume(token: string, kinds: AccountTokenKind[], manager: EntityManager): Promise<AccountToken | null> {
    const [row]: Array<{ user_id: string; kind: AccountTokenKind; email: string; expires_at: Date | string }> = await manager.query(
      `WITH used AS (DELETE FROM account_tokens WHERE token_hash = $1 AND kind = ANY($2) RETURNING user_id, kind, email, expires_at)
       SELECT * FROM used`,
      [hashKey(token), kinds],
    );
    if (!row) return null;
    const used = Object.assign(new AccountToken(), { userId: row.user_id, kind: row.kind, email: row.email, expiresAt: new Date(row.expires_at) });
    return this.isLive(used) ? used : null;
  }

  /** Voids every outstanding token of the user (of `kinds`, or all), for a change that makes them stale. */
  async voidAll(userId: string, manager: EntityManager, kinds?: AccountTokenKind[]): Promise<void> {
    await manager.getRepository(AccountToken).delete(kinds ? { userId, kind: In(kinds) } : { userId });
  }

  /** Removes tokens past their expiry, used or not. */
  async deleteExpired(): Promise<number> {
    const result = await this.tokens.delete({ expiresAt: LessThan(new Date(this.clock.now())) });
    return result.affected ?? 0;
  }

  private isLive(token: AccountToken): boolean {
    return token.expiresAt.getTime() > this.clock.now();
  }

  private expiresAt(ttlSeconds: number): Date {
    return new Date(this.clock.now() + ttlSeconds * 1000);
  }
}
