import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { IsNotCommonPassword } from '../../users/password-policy';
import { PASSWORD_MAX, PASSWORD_MIN } from './credentials.dto';

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX)
  currentPassword: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, description: 'Not one of the most common passwords' })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  @IsNotCommonPassword()
  newPassword: string;
}

export class DeleteAccountDto {
  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX)
  password: string;
}
