import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { afterCommit } from '../database/after-commit';
import { NewestFirstPage, newestFirstPage } from '../database/newest-first';
import { AuditAction, AuditDetails, AuditEntry } from './audit-entry.entity';

/** Who did it: an admin through the API (with the request's IP), or a command (`actorId` null, named in the details). */
export interface AuditActor {
  actorId: string | null;
  ip: string | null;
  /** The request's id, for the entry's log line; none from the command line. */
  requestId?: string | null;
}

export interface AuditRecord {
  action: AuditAction;
  targetId: string | null;
  details?: AuditDetails;
}

export interface AuditFilter {
  actorId?: string;
  targetId?: string;
}

export type AuditPage = NewestFirstPage<AuditEntry>;

/**
 * Writes an entry in the caller's transaction: the action and its record
 * commit or roll back together. Shared by the API and the command line.
 */
export async function recordAuditEntry(manager: EntityManager, actor: AuditActor, record: AuditRecord, at: Date): Promise<void> {
  await manager.getRepository(AuditEntry).insert({
    at,
    actorId: actor.actorId,
    action: record.action,
    targetId: record.targetId,
    ip: actor.ip?.slice(0, 64) ?? null,
    details: record.details ?? {},
  });
}

/** The audit log: appended to by admin actions, read newest first. Nothing here changes or removes an entry. */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(
    @InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>,
    private readonly clock: Clock,
  ) {}

  /**
   * Also one `info` line per entry (`msg: "audit"`), once the action's
   * transaction has committed: an admin cutting users off shows in the logs,
   * not only in the table. Not the entry's details: a deleted account's
   * address is one of them.
   */
  async record(manager: EntityManager, actor: AuditActor, record: AuditRecord): Promise<void> {
    await recordAuditEntry(manager, actor, record, new Date(this.clock.now()));
    const line = { action: record.action, actorId: actor.actorId, targetId: record.targetId, requestId: actor.requestId ?? null };
    afterCommit(manager.queryRunner, () => this.logger.log({ audit: line }, 'audit'));
  }

  /** Newest first; `cursor` is the `nextCursor` of the previous page. */
  list(filter: AuditFilter, limit: number, cursor?: string): Promise<AuditPage> {
    const query = this.entries.createQueryBuilder('entry');
    if (filter.actorId) query.andWhere('entry.actorId = :actorId', { actorId: filter.actorId });
    if (filter.targetId) query.andWhere('entry.targetId = :targetId', { targetId: filter.targetId });
    return newestFirstPage(query, limit, cursor, 'cursor');
  }
}
