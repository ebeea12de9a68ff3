import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_ACTIONS, AuditAction, AuditDetails, AuditEntry } from '../audit-entry.entity';
import type { AuditPage } from '../audit-log.service';

export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The admin; null for the command line (details.via names the command)' })
  actorId: string | null;

  @ApiProperty({ enum: AUDIT_ACTIONS })
  action: AuditAction;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The user acted on (kept after the user is deleted)' })
  targetId: string | null;

  @ApiProperty({ type: String, nullable: true })
  ip: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { from: ['user'], to: ['user', 'admin'] },
    description: 'roles_changed: from, to; sessions_ended: sessions; user_deleted: email; from the command line: via',
  })
  details: AuditDetails | null;

  static from(entry: AuditEntry): AuditEntryDto {
    return {
      id: entry.id,
      at: entry.at.toISOString(),
      actorId: entry.actorId,
      action: entry.action,
      targetId: entry.targetId,
      ip: entry.ip,
      details: entry.details,
    };
  }
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] })
  items: AuditEntryDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;

  static from(page: AuditPage): AuditPageDto {
    return { items: page.items.map((entry) => AuditEntryDto.from(entry)), nextCursor: page.nextCursor };
  }
}
