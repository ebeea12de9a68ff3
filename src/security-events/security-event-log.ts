import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AfterQueryEvent, DataSource, EntitySubscriberInterface, InsertEvent, QueryRunner } from 'typeorm';
import { afterCommit } from '../database/after-commit';
import { AuthEvent, AuthEventType } from './auth-event.entity';
import { currentRequestId } from './request-scope';

/** What a security-event line says: no email, IP, user agent or secret. */
export interface SecurityEventLine {
  type: AuthEventType;
  userId: string;
  sessionId: string | null;
  requestId: string | null;
}

/** Marks the insert of a StatementPart (recordFor) whose events are the rows the statement answers. */
const MARK = /\/\* security event: (\w+) \*\//g;

export function securityEventMark(type: AuthEventType): string {
  return `/* security event: ${type} */`;
}

/**
 * One `info` line per security event (`msg: "security event"`), for on-call
 * and log-based alerting: theft of a refresh token, lockouts and sessions an
 * admin ended are otherwise only counted (admin/ logs its audit entries alike).
 * A line is written once the transaction that recorded its row has
 * committed, never for a rolled-back one. It hears every insert of the data
 * source (TypeORM's subscribers), so no caller has to remember to log:
 * inserts of AuthEvent, and the statements that record events with
 * AuthEventsService.recordFor.
 */
@Injectable()
export class SecurityEventLog implements EntitySubscriberInterface<AuthEvent> {
  private readonly logger = new Logger(SecurityEventLog.name);

  constructor(@InjectDataSource() dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  /** Inserts of other entities are not heard (queries are, whatever they touch). */
  listenTo(): typeof AuthEvent {
    return AuthEvent;
  }

  afterInsert(insert: InsertEvent<AuthEvent>): void {
    const { type, userId, sessionId } = insert.entity;
    this.writeOnCommit(insert.queryRunner, { type, userId, sessionId: sessionId ?? null });
  }

  /**
   * A statement with recordFor's insert records one event per row of its
   * source, and answers those rows (`user_id`, and `id`: the session).
   */
  afterQuery(query: AfterQueryEvent): void {
    if (!query.success || !query.query.includes('/* security event: ')) return;
    const rows = ((query.rawResults as { rows?: unknown } | undefined)?.rows ?? []) as Array<{ user_id?: string; id?: string | null }>;
    for (const [, type] of query.query.matchAll(MARK)) {
      for (const row of rows) {
        if (!row.user_id) {
          this.logger.warn(`A ${type} event is not logged: its statement does not answer the user_id of the rows it records`);
          continue;
        }
        this.writeOnCommit(query.queryRunner, { type: type as AuthEventType, userId: row.user_id, sessionId: row.id ?? null });
      }
    }
  }

  private writeOnCommit(queryRunner: QueryRunner, event: Omit<SecurityEventLine, 'requestId'>): void {
    const line: SecurityEventLine = { ...event, requestId: currentRequestId() };
    afterCommit(queryRunner, () => this.logger.log({ event: line }, 'security event'));
  }
}
