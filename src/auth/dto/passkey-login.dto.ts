import { ApiProperty } from '@nestjs/swagger';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { IsObject, IsUUID } from 'class-validator';

export class PasskeyLoginDto {
  @ApiProperty({ format: 'uuid', description: 'The challengeId of POST /auth/passkey/options' })
  @IsUUID()
  challengeId: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "`AuthenticationResponseJSON`: the browser's `credential.toJSON()` after `navigator.credentials.get()`",
  })
  @IsObject()
  response: AuthenticationResponseJSON;
}

export class PasskeySignInOptionsDto {
  @ApiProperty({ format: 'uuid', description: 'Send it back with the answer to POST /auth/passkey/login; valid 5 minutes, once' })
  challengeId: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: '`PublicKeyCredentialRequestOptionsJSON` for navigator.credentials.get(): discoverable credentials, so no email is asked',
  })
  options: object;
}
