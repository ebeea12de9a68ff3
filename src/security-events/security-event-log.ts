import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AfterQueryEvent, DataSource, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { afterCommit } from '../database/after-commit';
import { AuthEventType } from './auth-event.entity';

/** What a security-event line says: no email, IP, user agent or secret. */
export interface SecurityEventLine {
  type: AuthEventType;
  userId: string;
  sessionId: string | null;
  requestId: string | null;
}

/** Marks the insert of a StatementPart (recordFor) whose events are the rows the statement answers. */
const MARK = /\/\* security event: (\w+)(?: request: ([\w.:-]{1,128}))? \*\//g;
/** What a request id may be (the service makes them, or takes the client's when it looks like this): never a comment's end. */
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

export function securityEventMark(type: AuthEventType, requestId: string | null | undefined): string {
  return requestId && SAFE_REQUEST_ID.test(requestId) ? `/* security event: ${type} request: ${requestId} */` : `/* security event: ${type} */`;
}

/**
 * One `info` line per security event (`msg: "security event"`), for on-call
 * and log-based alerting: theft of a refresh token, lockouts and sessions an
 * admin ended are otherwise only counted. A line is written once the
 * transaction that recorded its row has committed, never for a rolled-back
 * one. AuthEventsService.record asks for it; the statements that record
 * events with recordFor are heard here, as queries of the data source.
 */
@Injectable()
export class SecurityEventLog implements EntitySubscriberInterface {
  private readonly logger = new Logger(SecurityEventLog.name);

  constructor(@InjectDataSource() dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  /** Writes `line` once what `queryRunner` wrote commits (at once outside a transaction). */
  writeOnCommit(queryRunner: QueryRunner | undefined, line: SecurityEventLine): void {
    afterCommit(queryRunner, () => this.logger.log({ event: line }, 'security event'));
  }

  /**
   * A statement with recordFor's insert records one event per row of its
   * source, and answers those rows (`user_id`, and `id`: the session).
   */
  afterQuery(query: AfterQueryEvent): void {
    if (!query.success || !query.query.includes('/* security event: ')) return;
    const rows = ((query.rawResults as { rows?: unknown } | undefined)?.rows ?? []) as Array<{ user_id?: string; id?: string | null }>;
    for (const [, type, requestId] of query.query.matchAll(MARK)) {
      for (const row of rows) {
        if (!row.user_id) {
          this.logger.warn(`A ${type} event is not logged: its statement does not answer the user_id of the rows it records`);
          continue;
        }
        this.writeOnCommit(query.queryRunner, { type: type as AuthEventType, userId: row.user_id, sessionId: row.id ?? null, requestId: requestId ?? null });
      }
    }
  }
}
