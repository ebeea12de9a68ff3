import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PASSWORD_MAX } from '../../users';
import type { Identity } from '../identity.entity';

export class ProviderDto {
  @ApiProperty({ example: 'google', description: 'As in the routes: /auth/oidc/<name>' })
  name: string;

  @ApiProperty({ example: 'Google', description: 'For the button of a sign-in page' })
  label: string;
}

export class LinkIdentityDto {
  @ApiPropertyOptional({
    description: 'The current password (linking adds a way in); an account without a password needs a session started in the last 10 minutes instead',
  })
  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX)
  password?: string;

  @ApiPropertyOptional({ example: '/account', description: 'Where the provider sends the browser back: a path on APP_URL or a URL on one of CORS_ORIGINS' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  returnTo?: string;
}

export class LinkUrlDto {
  @ApiProperty({ description: "The provider's authorization URL: send the browser there (it comes back to returnTo, with ?error=CODE if the link failed)" })
  url: string;
}

export class IdentityResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'google' })
  provider: string;

  @ApiProperty({ description: "The provider's `sub` for this user" })
  subject: string;

  @ApiProperty({ type: String, nullable: true, description: 'The address the provider gave at the latest sign-in' })
  email: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  linkedAt: string;

  static from(identity: Identity): IdentityResponseDto {
    return { id: identity.id, provider: identity.provider, subject: identity.subject, email: identity.email, linkedAt: identity.linkedAt.toISOString() };
  }
}
