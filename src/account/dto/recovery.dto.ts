import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { EmailField, NewPasswordRules, PASSWORD_MAX, PASSWORD_MIN } from '../../users';

/** A token from a mailed link. Any string is taken: one that is not a live token is 400 `TOKEN_INVALID`, not a validation error. */
const MailedTokenField = () => applyDecorators(ApiProperty({ description: 'The `token` parameter of the mailed link' }), IsString(), IsNotEmpty(), MaxLength(512));

export class ForgotPasswordDto {
  @EmailField()
  email: string;
}

export class ResetPasswordDto {
  @MailedTokenField()
  token: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, description: 'Not all whitespace, not one of the most common passwords' })
  @NewPasswordRules()
  newPassword: string;
}

export class VerifyEmailDto {
  @MailedTokenField()
  token: string;
}

export class ChangeEmailDto {
  @EmailField()
  newEmail: string;

  @ApiProperty({ description: 'The current password' })
  @IsString()
  @MaxLength(PASSWORD_MAX)
  password: string;
}
