import { Injectable, Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { afterCommit } from '../database/after-commit';
import { AuthEventType } from './auth-event.entity';

/** What a security-event line says: no email, IP, user agent or secret. */
export interface SecurityEventLine {
  type: AuthEventType;
  userId: string;
  sessionId: string | null;
  requestId: string | null;
}

/**
 * One `info` line per security event (`msg: "security event"`), for on-call
 * and log-based alerting: theft of a refresh token, lockouts and sessions an
 * admin ended are otherwise only counted. A line is written once the
 * transaction that recorded its row has committed, never for a rolled-back
 * one. AuthEventsService writes every event's line, whichever way it is recorded.
 */
@Injectable()
export class SecurityEventLog {
  private readonly logger = new Logger(SecurityEventLog.name);

  /** Writes `line` once what `queryRunner` wrote commits (at once outside a transaction). */
  writeOnCommit(queryRunner: QueryRunner | undefined, line: SecurityEventLine): void {
    afterCommit(queryRunner, () => this.logger.log({ event: line }, 'security event'));
  }
}
