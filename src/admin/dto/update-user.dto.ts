import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { ROLE_NAME } from '../../users';

/** What an admin may change of an account: nothing else is accepted (any other property is 400). */
export class UpdateUserDto {
  @ApiPropertyOptional({ type: [String], example: ['user', 'admin'], description: 'The new roles (replacing the current ones)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ROLE_NAME, { each: true, message: 'each role must be lower-case letters, digits, _ and -, starting with a letter, at most 32' })
  roles?: string[];

  @ApiPropertyOptional({ description: 'true: every way in is refused (ACCOUNT_DISABLED); false: the account signs in again' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}
