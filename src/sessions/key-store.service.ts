import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { CacheInvalidation } from '../cache/cache-invalidation.service';
import { SourceRows, StatementPart, withParts } from '../cache/statement-part';
import { idIn, InvalidationKeys } from '../cache/invalidation-keys';
import { ReadThroughCache } from '../cache/read-through-cache';
import { Clock } from '../common/clock';
import { SessionsConfig, sessionsConfig } from './sessions.config';
import { Metrics } from '../metrics/metrics.service';
import { AssuranceLevel, AuthMethod, KeyStore, RevokedReason } from './key-store.entity';
import { deriveNextKeys, hashKey, KeyPair, newSalt, sameHash } from './session-keys';

export interface NewSession {
  userId: string;
  aal: AssuranceLevel;
  amr: AuthMethod[];
  keys: KeyPair;
  csrfTokenHash: string;
  userAgent: string | null;
  ip: string | null;
}

/** What the per-request check needs to know about a session. */
export type SessionState = Pick<KeyStore, 'id' | 'userId' | 'accessKeyHash' | 'csrfTokenHash' | 'status' | 'expiresAt' | 'maxExpiresAt' | 'aal' | 'amr'>;

export interface RotatedSession {
  session: Pick<KeyStore, 'id' | 'userId' | 'generation' | 'expiresAt' | 'maxExpiresAt' | 'aal' | 'amr'>;
  keys: KeyPair;
  /** `grace`: a concurrent request already rotated; this one gets the same current generation. */
  outcome: 'rotated' | 'grace';
}

/**
 * `reused`: a rotated-away refresh key outside the grace window, or an older
 * one (theft: the caller ends the session); `ended`: the session is revoked,
 * expired, gone or not the user's.
 */
export type RotationResult = RotatedSession | { outcome: 'reused' } | { outcome: 'ended' };

const SESSION_CACHE_MAX = 50_000;
const SESSION_CACHE_TTL_MS = 5 * 60_000;

/**
 * The only code that reads or writes KeyStore rows. The per-request read goes
 * through a bounded cache; every write publishes the change in its own
 * transaction so that every instance drops what it cached.
 */
@Injectable()
export class KeyStoreService {
  private readonly stateCache: ReadThroughCache<SessionState>;

  constructor(
    @InjectRepository(KeyStore) private readonly sessions: Repository<KeyStore>,
    @Inject(sessionsConfig.KEY) private readonly config: SessionsConfig,
    private readonly invalidation: CacheInvalidation,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
  ) {
    this.stateCache = new ReadThroughCache<SessionState>(invalidation, {
      max: SESSION_CACHE_MAX,
      ttlMs: SESSION_CACHE_TTL_MS,
      onLookup: metrics.cacheLookups('session'),
      invalidatedBy: (key) => {
        const userId = idIn(key, 'sessionsOf') ?? idIn(key, 'user');
        return userId ? (state) => state.userId === userId : idIn(key, 'session');
      },
    });
  }

  async create(input: NewSession, manager?: EntityManager): Promise<KeyStore> {
    const now = this.clock.now();
    const maxExpiresAt = new Date(now + this.config.sessionMaxLifetimeSeconds * 1000);
    const session = this.sessions.create({
      id: randomUUID(),
      userId: input.userId,
      aal: input.aal,
      amr: input.amr,
      generation: 1,
      accessKeyHash: hashKey(input.keys.accessKey),
      refreshKeyHash: hashKey(input.keys.refreshKey),
      csrfTokenHash: input.csrfTokenHash,
      status: 'active',
      createdAt: new Date(now),
      lastUsedAt: new Date(now),
      expiresAt: this.idleExpiry(now, maxExpiresAt),
      maxExpiresAt,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
      ip: input.ip?.slice(0, 64) ?? null,
    });
    await this.repository(manager).insert(session);
    return session;
  }

  /** The per-request read: cached, and never stale past a committed change. */
  findState(sessionId: string): Promise<SessionState | null> {
    return this.stateCache.get(sessionId, () =>
      this.sessions.findOne({
        where: { id: sessionId },
        select: { id: true, userId: true, accessKeyHash: true, csrfTokenHash: true, status: true, expiresAt: true, maxExpiresAt: true, aal: true, amr: true },
      }),
    );
  }

  /** When the session was started (its sign-in), or null for an unknown one; read from the database. */
  async startedAt(sessionId: string): Promise<Date | null> {
    const session = await this.sessions.findOne({ where: { id: sessionId }, select: { id: true, createdAt: true } });
    return session?.createdAt ?? null;
  }

  /**
   * Rotates the session's keys with one conditional UPDATE (never
   * read-then-write). In the common case (the current refresh key) a single
   * statement rotates, records `alsoRecord` and queues the invalidation for
   * the other instances: atomic on its own and one round trip. When it matches nothing, the row
   * says why: a concurrent rotation inside the grace window (the same current
   * generation again), a replayed key (`reused`: the caller ends the
   * session), or an ended session.
   */
  async rotate(sessionId: string, userId: string, refreshKey: string, alsoRecord?: StatementPart): Promise<RotationResult> {
    const presentedHash = hashKey(refreshKey);
    const salt = newSalt();
    const keys = deriveNextKeys(refreshKey, salt);
    const now = new Date(this.clock.now());
    const idleExpiry = new Date(now.getTime() + this.config.refreshTokenTtlSeconds * 1000);
    const invalidationKey = InvalidationKeys.session(sessionId);
    const params: unknown[] = [sessionId, userId, presentedHash, now, idleExpiry, salt, hashKey(keys.accessKey), hashKey(keys.refreshKey)];
    // Data-modifying CTEs run whether or not the final SELECT reads them.
    const parts = withParts('rotated', params.length, [alsoRecord, this.invalidation.queueFor(invalidationKey)]);
    const rows: RotatedRow[] = await this.sessions.query(
      `WITH rotated AS (
         UPDATE key_store
            SET generation = generation + 1, access_key_hash = $7, refresh_key_hash = $8,
                previous_refresh_key_hash = refresh_key_hash, rotation_salt = $6,
                rotated_at = $4, last_used_at = $4, expires_at = LEAST($5::timestamptz, max_expires_at)
          WHERE id = $1 AND user_id = $2 AND status = 'active' AND refresh_key_hash = $3
            AND expires_at > $4 AND max_expires_at > $4
         RETURNING id, user_id, generation, expires_at, max_expires_at, aal, amr
       )${parts.ctes}
       SELECT rotated.* FROM rotated`,
      [...params, ...parts.params],
    );
    // One statement on its own: committed as it returns.
    parts.ran(rows as unknown as SourceRows, undefined);
    if (rows.length > 0) {
      this.invalidation.dropCommitted(invalidationKey);
      return { session: fromRotatedRow(rows[0]), keys, outcome: 'rotated' };
    }
    return this.explainFailedRotation(sessionId, userId, refreshKey, presentedHash, now);
  }

  revoke(sessionId: string, reason: RevokedReason, manager?: EntityManager): Promise<boolean> {
    return this.inTransaction(manager, async (transaction) => {
      const result = await transaction
        .getRepository(KeyStore)
        .update({ id: sessionId, status: 'active' }, { status: 'revoked', revokedAt: new Date(this.clock.now()), revokedReason: reason });
      const revoked = (result.affected ?? 0) > 0;
      if (revoked) await this.invalidation.publish(transaction, InvalidationKeys.session(sessionId));
      return revoked;
    });
  }

  /**
   * Records a further factor on a live session of the user, in the caller's
   * transaction: `method` joins its `amr` and the session is `aal2` from the
   * next request on (every instance drops what it cached). False when the
   * session is not the user's or has ended.
   */
  async addMethod(sessionId: string, userId: string, method: AuthMethod, manager: EntityManager): Promise<boolean> {
    const rows: Array<{ id: string }> = await manager.query(
      `WITH raised AS (
         UPDATE key_store SET aal = 'aal2', amr = CASE WHEN $3::varchar = ANY(amr) THEN amr ELSE array_append(amr, $3::varchar) END
          WHERE id = $1 AND user_id = $2 AND status = 'active'
         RETURNING id
       )
       SELECT id FROM raised`,
      [sessionId, userId, method],
    );
    if (rows.length === 0) return false;
    await this.invalidation.publish(manager, InvalidationKeys.session(sessionId));
    return true;
  }

  /** Ends one of the user's own sessions; false when it is not theirs (or not there). */
  async revokeOwn(userId: string, sessionId: string, reason: RevokedReason, manager?: EntityManager): Promise<boolean> {
    const session = await this.repository(manager).findOne({ where: { id: sessionId, userId }, select: { id: true } });
    if (!session) return false;
    await this.revoke(sessionId, reason, manager);
    return true;
  }

  /**
   * Removes sessions past their idle or absolute expiry, revoked or not;
   * returns how many. Nothing to publish: a cached state carries its expiries.
   */
  async deleteExpired(now = new Date(this.clock.now())): Promise<number> {
    const result = await this.sessions.createQueryBuilder().delete().from(KeyStore).where('expires_at <= :now OR max_expires_at <= :now', { now }).execute();
    return result.affected ?? 0;
  }

  /** Ends every active session of the user, except `keepSessionId` when given; returns the ids of those it ended. */
  revokeAllForUser(userId: string, reason: RevokedReason, options: { keepSessionId?: string; manager?: EntityManager } = {}): Promise<string[]> {
    return this.inTransaction(options.manager, async (transaction) => {
      const revoked = await revokeActiveSessionsOf(transaction, userId, reason, new Date(this.clock.now()), options.keepSessionId);
      if (revoked.length > 0) await this.invalidation.publish(transaction, InvalidationKeys.sessionsOf(userId));
      return revoked;
    });
  }

  /**
   * Ends the user's live sessions beyond the `keep` most recently used (reason
   * `session_limit`), in the caller's transaction, which holds the user's
   * lock; returns the ids of those it ended.
   */
  async endLeastRecentlyUsed(userId: string, keep: number, manager: EntityManager): Promise<string[]> {
    const now = new Date(this.clock.now());
    const rows: Array<{ id: string }> = await manager.query(
      `WITH ended AS (
         UPDATE key_store SET status = 'revoked', revoked_at = $2, revoked_reason = 'session_limit'
          WHERE id IN (
            SELECT id FROM key_store
             WHERE user_id = $1 AND status = 'active' AND expires_at > $2 AND max_expires_at > $2
             ORDER BY last_used_at DESC, created_at DESC OFFSET $3
          )
         RETURNING id
       )
       SELECT id FROM ended`,
      [userId, now, keep],
    );
    const ended = rows.map((row) => row.id);
    await this.invalidation.publish(manager, ...ended.map((id) => InvalidationKeys.session(id)));
    return ended;
  }

  /** How many live sessions each of these users has (absent: none). */
  async countActive(userIds: string[]): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const rows: Array<{ user_id: string; count: number }> = await this.sessions.query(
      `SELECT user_id, count(*)::int AS count FROM key_store
        WHERE user_id = ANY($1) AND status = 'active' AND expires_at > $2 AND max_expires_at > $2
        GROUP BY user_id`,
      [userIds, new Date(this.clock.now())],
    );
    return new Map(rows.map((row) => [row.user_id, row.count]));
  }

  /** Live sessions: active and within both lifetimes, most recently used first. */
  listActive(userId: string): Promise<KeyStore[]> {
    const now = new Date(this.clock.now());
    return this.sessions
      .createQueryBuilder('session')
      .where('session.userId = :userId AND session.status = :active', { userId, active: 'active' })
      .andWhere('session.expiresAt > :now AND session.maxExpiresAt > :now', { now })
      .orderBy('session.lastUsedAt', 'DESC')
      .addOrderBy('session.createdAt', 'DESC')
      .getMany();
  }

  private async explainFailedRotation(sessionId: string, userId: string, refreshKey: string, presentedHash: string, now: Date): Promise<RotationResult> {
    const session = await this.sessions.findOneBy({ id: sessionId });
    if (!session || session.userId !== userId || session.status !== 'active' || !isLive(session, now)) {
      return { outcome: 'ended' };
    }
    const graceSeconds = this.config.refreshReuseGraceSeconds;
    const graceEndsAt = (session.rotatedAt?.getTime() ?? 0) + graceSeconds * 1000;
    const isPreviousKey = session.previousRefreshKeyHash !== null && sameHash(session.previousRefreshKeyHash, presentedHash);
    // With no grace window there is no window at all, even for a racer in the same millisecond.
    if (isPreviousKey && graceSeconds > 0 && now.getTime() <= graceEndsAt) {
      const keys = deriveNextKeys(refreshKey, session.rotationSalt!);
      if (sameHash(hashKey(keys.refreshKey), session.refreshKeyHash)) {
        const { id, generation, expiresAt, maxExpiresAt, aal, amr } = session;
        return { session: { id, userId, generation, expiresAt, maxExpiresAt, aal, amr }, keys, outcome: 'grace' };
      }
    }
    return { outcome: 'reused' };
  }

  private idleExpiry(now: number, maxExpiresAt: Date): Date {
    return new Date(Math.min(now + this.config.refreshTokenTtlSeconds * 1000, maxExpiresAt.getTime()));
  }

  private repository(manager?: EntityManager): Repository<KeyStore> {
    return manager?.getRepository(KeyStore) ?? this.sessions;
  }

  /** Writes publish their invalidation in a transaction: the caller's, or one of their own. */
  private inTransaction<T>(manager: EntityManager | undefined, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return manager?.queryRunner?.isTransactionActive ? work(manager) : this.sessions.manager.transaction(work);
  }
}

interface RotatedRow {
  id: string;
  user_id: string;
  generation: number;
  expires_at: Date | string;
  max_expires_at: Date | string;
  aal: AssuranceLevel;
  amr: AuthMethod[];
}

function fromRotatedRow(row: RotatedRow): RotatedSession['session'] {
  return {
    id: row.id,
    userId: row.user_id,
    generation: Number(row.generation),
    expiresAt: new Date(row.expires_at),
    maxExpiresAt: new Date(row.max_expires_at),
    aal: row.aal,
    amr: row.amr,
  };
}

/**
 * The UPDATE that ends every active session of the user (but `keepSessionId`),
 * without publishing it: revokeAllForUser does, and so does a tool that works
 * on the database alone. Returns the ids of the sessions it ended.
 */
export async function revokeActiveSessionsOf(manager: EntityManager, userId: string, reason: RevokedReason, at: Date, keepSessionId?: string): Promise<string[]> {
  const query = manager
    .getRepository(KeyStore)
    .createQueryBuilder()
    .update(KeyStore)
    .set({ status: 'revoked', revokedAt: at, revokedReason: reason })
    .where('user_id = :userId AND status = :active', { userId, active: 'active' });
  if (keepSessionId) query.andWhere('id <> :keep', { keep: keepSessionId });
  const { raw } = (await query.returning('id').execute()) as { raw: Array<{ id: string }> };
  return raw.map((row) => row.id);
}

export function isLive(session: Pick<KeyStore, 'expiresAt' | 'maxExpiresAt'>, now: Date): boolean {
  return session.expiresAt.getTime() > now.getTime() && session.maxExpiresAt.getTime() > now.getTime();
}
