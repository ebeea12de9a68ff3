import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntitySubscriberInterface, InsertEvent } from 'typeorm';
import { afterCommit } from '../database/after-commit';
import { currentRequestId } from '../security-events';
import { AuditEntry } from './audit-entry.entity';

/** What an audit line says: not the entry's details (a deleted account's address is one of them). */
export interface AuditLine {
  action: string;
  actorId: string | null;
  targetId: string | null;
  requestId: string | null;
}

/**
 * One `info` line (`msg: "audit"`) per admin audit entry, once the action's
 * transaction has committed: an admin cutting users off (disabling, ending
 * sessions, deleting) shows in the logs, not only in the table. It hears the
 * data source's inserts, so no action has to remember to log.
 */
@Injectable()
export class AuditLogLines implements EntitySubscriberInterface<AuditEntry> {
  private readonly logger = new Logger(AuditLogLines.name);

  constructor(@InjectDataSource() dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  listenTo(): typeof AuditEntry {
    return AuditEntry;
  }

  afterInsert({ entity, queryRunner }: InsertEvent<AuditEntry>): void {
    const line: AuditLine = { action: entity.action, actorId: entity.actorId ?? null, targetId: entity.targetId ?? null, requestId: currentRequestId() };
    afterCommit(queryRunner, () => this.logger.log({ audit: line }, 'audit'));
  }
}
