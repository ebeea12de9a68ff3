import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode } from './error-code';

class FieldErrorDto {
  @ApiProperty({ example: 'email' })
  field: string;

  @ApiProperty({ type: [String] })
  messages: string[];
}

export class ErrorResponseDto {
  @ApiProperty({ example: 401 })
  statusCode: number;

  @ApiProperty({ example: 'Unauthorized' })
  error: string;

  @ApiProperty({
    example: 'TOKEN_EXPIRED',
    description: `One of ${Object.keys(ERROR_STATUS).join(', ')}; or the code of an HttpException: its own, else its status name (CONFLICT, GONE, ...)`,
  })
  code: string;

  @ApiProperty({ example: 'The access token has expired' })
  message: string;

  @ApiPropertyOptional({ type: [FieldErrorDto] })
  details?: FieldErrorDto[];
}

/** The code of an HttpException a module throws itself, e.g. `{ status: 409, code: 'NOTE_EXISTS' }`. */
export interface HttpExceptionCode {
  status: number;
  code: string;
}

/** Documents the error codes a route can answer with, grouped by status, with the contract's error body. */
export function ApiErrors(...codes: Array<ErrorCode | HttpExceptionCode>): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, string[]>();
  for (const entry of codes) {
    const { status, code } = typeof entry === 'string' ? { status: ERROR_STATUS[entry], code: entry } : entry;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, group]) => ApiResponse({ status, type: ErrorResponseDto, description: group.map((code) => `\`${code}\``).join(', ') })),
  );
}

/** The errors every route protected by an access token can answer with. */
export const ACCESS_TOKEN_ERRORS: ErrorCode[] = ['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'SESSION_REVOKED'];
