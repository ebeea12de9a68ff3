import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { Trim } from '../../common/transforms';

export const ADMIN_PAGE_MAX = 100;
export const ADMIN_PAGE_DEFAULT = 20;

class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: ADMIN_PAGE_MAX, default: ADMIN_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ADMIN_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** A uuid in its one lower-case form (ids are compared as strings in caches and filters). */
const CanonicalUuid = (): PropertyDecorator => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value));

export class SearchUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'ann', description: 'The start of an email address, or a part of a name (case does not matter)' })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(254)
  q?: string;
}

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only the actions of this admin' })
  @IsOptional()
  @CanonicalUuid()
  @IsUUID('all')
  actor?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the actions on this user (deleted ones included)' })
  @IsOptional()
  @CanonicalUuid()
  @IsUUID('all')
  target?: string;
}
