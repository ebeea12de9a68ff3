import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { Trim } from '../../common/transforms';
import { IsUnambiguousEmail, normalizeEmail } from '../../users/email';
import { IsNotCommonPassword } from '../../users/password-policy';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

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

const PasswordField = (description?: string) =>
  applyDecorators(
    ApiProperty({ example: 'correct horse battery staple', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, description }),
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

  @PasswordField('Not one of the most common passwords')
  @IsNotCommonPassword()
  password: string;

  @ApiPropertyOptional({ example: 'Ann', maxLength: 100 })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  name?: string;
}
