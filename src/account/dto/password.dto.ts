import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { DiffersFromPassword, NewPasswordRules, PASSWORD_MAX, PASSWORD_MIN } from '../../users';

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX)
  currentPassword: string;

  @ApiProperty({
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    description: 'Not all whitespace, not one of the most common passwords, not the current password',
  })
  @NewPasswordRules()
  @DiffersFromPassword('currentPassword')
  newPassword: string;
}

export class DeleteAccountDto {
  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX)
  password: string;
}
