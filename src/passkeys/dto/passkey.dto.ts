import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { IsObject, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { Trim } from '../../common/transforms';
import { PASSWORD_MAX } from '../../users';
import type { Passkey } from '../passkey.entity';

const NAME_MAX = 64;
const PRINTABLE = /^[^\p{Cc}\p{Cf}]*$/u;

export class PasskeyOptionsDto {
  @ApiPropertyOptional({
    description:
      'The current password (a stolen access token alone cannot add a way in); an account without a password needs a session started in the last 10 minutes instead',
  })
  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX)
  password?: string;
}

export class AddPasskeyDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "`RegistrationResponseJSON`: the browser's `credential.toJSON()` after `navigator.credentials.create()`",
  })
  @IsObject()
  response: RegistrationResponseJSON;

  @ApiPropertyOptional({ minLength: 1, maxLength: NAME_MAX, example: 'Laptop', description: 'Default: "Passkey"' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, NAME_MAX)
  @Matches(PRINTABLE, { message: 'name must not contain control or invisible characters' })
  name?: string;
}

export class RenamePasskeyDto {
  @ApiProperty({ minLength: 1, maxLength: NAME_MAX, example: 'Phone' })
  @Trim()
  @IsString()
  @Length(1, NAME_MAX)
  @Matches(PRINTABLE, { message: 'name must not contain control or invisible characters' })
  name: string;
}

export class PasskeyResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Laptop' })
  name: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The last sign-in with it' })
  lastUsedAt: string | null;

  @ApiProperty({ description: 'Whether the authenticator says it is backed up (a synced passkey)' })
  backedUp: boolean;

  static from(passkey: Passkey): PasskeyResponseDto {
    return {
      id: passkey.id,
      name: passkey.name,
      createdAt: passkey.createdAt.toISOString(),
      lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
      backedUp: passkey.backedUp,
    };
  }
}
