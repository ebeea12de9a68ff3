import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { Trim } from '../../common/transforms';
import { IsUnambiguousEmail, normalizeEmail } from '../../users';
import { NewPasswordRules, PASSWORD_MAX, PASSWORD_MIN } from '../../users';

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

const PasswordField = () =>
  applyDecorators(
    ApiProperty({ example: 'correct horse battery staple', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }),
    IsString(),
    Length(PASSWORD_MIN, PASSWORD_MAX),
  );

export class LoginDto {
  @EmailField()
  email: string;

  @PasswordField()
  password: string;
}

export class RegisterDto {
  @EmailField()
  email: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    description: 'Not all whitespace, not one of the most common passwords',
  })
  @NewPasswordRules()
  password: string;

  @ApiPropertyOptional({ example: 'Ann', maxLength: 100 })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  name?: string;
}
