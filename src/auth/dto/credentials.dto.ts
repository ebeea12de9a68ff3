import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { Trim } from '../../common/transforms';
import { EmailField, NewPasswordRules, PASSWORD_MAX, PASSWORD_MIN } from '../../users';

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
