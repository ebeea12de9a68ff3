import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { PASSWORD_MAX } from '../../users';
import type { MfaStatus } from '../mfa.service';

export const CODE_MAX = 64;

export class EnrolTotpDto {
  @ApiPropertyOptional({
    description:
      'The current password (a stolen access token alone cannot add a factor); an account without a password needs a session started in the last 10 minutes instead',
  })
  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX)
  password?: string;
}

export class MfaCodeDto {
  @ApiProperty({ example: '123456', description: 'A code from the authenticator app (spaces are ignored), or where the route says so a recovery code' })
  @IsString()
  @Length(1, CODE_MAX)
  code: string;
}

export class TotpStatusDto {
  @ApiProperty()
  enabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it was enabled' })
  createdAt: string | null;
}

export class MfaStatusDto {
  @ApiProperty({ type: TotpStatusDto })
  totp: TotpStatusDto;

  @ApiProperty({ example: 10 })
  recoveryCodesRemaining: number;

  static from(status: MfaStatus): MfaStatusDto {
    return {
      totp: { enabled: status.totp.enabled, createdAt: status.totp.createdAt?.toISOString() ?? null },
      recoveryCodesRemaining: status.recoveryCodesRemaining,
    };
  }
}

export class TotpEnrolmentDto {
  @ApiProperty({ example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', description: '160 random bits in base32, for typing into an app' })
  secret: string;

  @ApiProperty({ example: 'otpauth://totp/Auth%20service:ann%40example.com?secret=...&issuer=Auth%20service&algorithm=SHA1&digits=6&period=30' })
  otpauthUri: string;

  @ApiProperty({ description: 'The otpauth URI as a QR code, an SVG document' })
  qrCodeSvg: string;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], example: ['7kq2m-x9d4a', '...'], description: 'Ten single-use codes, shown this once; case and the hyphen do not matter' })
  recoveryCodes: string[];
}
