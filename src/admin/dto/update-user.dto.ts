import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsString, Matches, ValidateIf } from 'class-validator';
import { ROLE_NAME } from '../../users';

/** Absent is no change; null is not a value (IsOptional would let it through). */
const IfPresent = (): PropertyDecorator => ValidateIf((_dto: object, value: unknown) => value !== undefined);

/** What an admin may change of an account: nothing else is accepted (any other property is 400). */
export class UpdateUserDto {
  @ApiPropertyOptional({ type: [String], example: ['user', 'admin'], description: 'The new roles (replacing the current ones)' })
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ROLE_NAME, { each: true, message: 'each role must be lower-case letters, digits, _ and -, starting with a letter, at most 32' })
  roles?: string[];

  @ApiPropertyOptional({ description: 'true: every way in is refused (ACCOUNT_DISABLED); false: the account signs in again' })
  @IfPresent()
  @IsBoolean()
  disabled?: boolean;
}
