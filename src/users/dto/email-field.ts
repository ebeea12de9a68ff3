import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { IsUnambiguousEmail, normalizeEmail } from '../email';

/**
 * Trimmed, NFKC-normalised and lower-cased before validation; a valid address
 * of at most 254 characters that cannot pass for another one. Every route that
 * takes an email uses it.
 */
export const EmailField = () =>
  applyDecorators(
    ApiProperty({ example: 'ann@example.com', maxLength: 254 }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value)),
    IsString(),
    MaxLength(254),
    IsUnambiguousEmail(),
    IsEmail(),
  );
