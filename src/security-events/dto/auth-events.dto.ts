import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { AUTH_EVENT_TYPES, AuthEvent, AuthEventType } from '../auth-event.entity';
import { AuthEventPage } from '../auth-events.service';

export const EVENTS_PAGE_MAX = 100;

export class ListAuthEventsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: EVENTS_PAGE_MAX, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(EVENTS_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  before?: string;
}

export class AuthEventDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: AUTH_EVENT_TYPES })
  type: AuthEventType;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ type: String, nullable: true })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true })
  userAgent: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  sessionId: string | null;

  @ApiProperty({ type: [String], nullable: true, example: ['pwd', 'otp'], description: 'For login_succeeded: how the session was started; else null' })
  amr: string[] | null;

  static from(event: AuthEvent): AuthEventDto {
    return {
      id: event.id,
      type: event.type,
      at: new Date(event.createdAt).toISOString(),
      ip: event.ip,
      userAgent: event.userAgent,
      sessionId: event.sessionId,
      amr: event.amr,
    };
  }
}

export class AuthEventListDto {
  @ApiProperty({ type: [AuthEventDto] })
  items: AuthEventDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;

  static from(page: AuthEventPage): AuthEventListDto {
    return { items: page.items.map((event) => AuthEventDto.from(event)), nextCursor: page.nextCursor };
  }
}
