import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { Trim } from '../../common/transforms';

export class UpdateProfileDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Ann' })
  @Trim()
  @IsString()
  @Length(1, 100)
  name: string;
}
