import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { ClientInfo } from '../common/authenticated-user';
import type { StatementPart } from '../cache/statement-part';
import { NewestFirstPage, newestFirstPage } from '../database/newest-first';
import { transactionWithRetry } from '../database/transactions';
import { AuthEvent, AuthEventType } from './auth-event.entity';
import { SecurityEventLog } from './security-event-log';

export interface NewAuthEvent {
  type: AuthEventType;
  userId: string;
  sessionId?: string | null;
  client?: ClientInfo;
  /** The session's methods, for `login_succeeded`. */
  amr?: string[];
}

export type AuthEventPage = NewestFirstPage<AuthEvent>;

/**
 * The security-event trail: recorded in the caller's transaction, read newest
 * first. Each event is also logged once its transaction commits (SecurityEventLog).
 */
@Injectable()
export class AuthEventsService {
  constructor(
    @InjectRepository(AuthEvent) private readonly events: Repository<AuthEvent>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly eventLog: SecurityEventLog,
  ) {}

  /** Makes `change` and records `event` in one transaction; a change that answers `false` did nothing and records nothing. */
  recordedChange<T>(event: NewAuthEvent, change: (manager: EntityManager) => Promise<T>): Promise<T> {
    return transactionWithRetry(this.dataSource, async (manager) => {
      const result = await change(manager);
      if (result !== false) await this.record(event, manager);
      return result;
    });
  }

  async record(event: NewAuthEvent, manager?: EntityManager): Promise<void> {
    await (manager?.getRepository(AuthEvent) ?? this.events).insert({
      type: event.type,
      userId: event.userId,
      sessionId: event.sessionId ?? null,
      ip: event.client?.ip?.slice(0, 64) ?? null,
      userAgent: event.client?.userAgent?.slice(0, 512) ?? null,
      amr: event.amr ?? null,
    });
    const line = { type: event.type, userId: event.userId, sessionId: event.sessionId ?? null, requestId: event.client?.requestId ?? null };
    this.eventLog.writeOnCommit(manager?.queryRunner, line);
  }

  /**
   * The insert of one event per row of a CTE with `id` (the session) and
   * `user_id` columns, to record a change in the very statement that makes it.
   * The statement must answer the rows of that CTE (their `user_id` and `id`),
   * and its caller hand them to `ran`: each event's log line is written from them.
   */
  recordFor(type: AuthEventType, client: ClientInfo): StatementPart {
    return {
      sql: (source, first) =>
        `INSERT INTO auth_events (user_id, session_id, type, ip, user_agent) SELECT user_id, id, $${first}, $${first + 1}, $${first + 2} FROM ${source}`,
      params: [type, client.ip?.slice(0, 64) ?? null, client.userAgent?.slice(0, 512) ?? null],
      ran: (rows, queryRunner) => {
        for (const row of rows) {
          const line = { type, userId: row.user_id as string, sessionId: (row.id as string | null) ?? null, requestId: client.requestId ?? null };
          this.eventLog.writeOnCommit(queryRunner, line);
        }
      },
    };
  }

  /** Newest first; `before` is the `nextCursor` of the previous page. */
  list(userId: string, limit: number, before?: string): Promise<AuthEventPage> {
    return newestFirstPage(this.events.createQueryBuilder('event').where('event.userId = :userId', { userId }), limit, before, 'before');
  }
}
