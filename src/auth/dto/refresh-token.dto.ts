import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';

/** Refresh and logout: in body transport the refresh token travels here; in cookie transport the body is empty. */
export class RefreshTokenDto {
  @ApiPropertyOptional({ description: 'Body transport only; cookie clients send nothing.' })
  @IsOptional()
  @IsString()
  refreshToken?: string;
}
