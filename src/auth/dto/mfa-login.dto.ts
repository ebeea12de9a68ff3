import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { AppError } from '../../common/error-code';
import type { MfaChallengeIssued, MfaProof } from '../../mfa';

const CODE_MAX = 64;

export class MfaLoginDto {
  @ApiPropertyOptional({
    description: 'The mfaToken of the login challenge; omit it after a sign-in at a provider, which left it in the HttpOnly MFA cookie',
  })
  @IsOptional()
  @IsString()
  @Length(1, 512)
  mfaToken?: string;

  @ApiPropertyOptional({ example: '123456', description: 'A code from the authenticator app (spaces are ignored); or send recoveryCode' })
  @IsOptional()
  @IsString()
  @Length(1, CODE_MAX)
  code?: string;

  @ApiPropertyOptional({ example: '7kq2m-x9d4a', description: 'One of the recovery codes (case and the hyphen do not matter); or send code' })
  @IsOptional()
  @IsString()
  @Length(1, CODE_MAX)
  recoveryCode?: string;

  /** Exactly one of `code` and `recoveryCode`. */
  static proofOf(body: MfaLoginDto): MfaProof {
    if ((body.code === undefined) === (body.recoveryCode === undefined)) {
      throw new AppError('VALIDATION_FAILED', 'Send either code or recoveryCode', {
        details: [{ field: body.code === undefined ? 'code' : 'recoveryCode', messages: ['send exactly one of code and recoveryCode'] }],
      });
    }
    return body.code !== undefined ? { code: body.code } : { recoveryCode: body.recoveryCode! };
  }
}

/** What login answers, instead of a session, for an account with a second factor. */
export class MfaChallengeDto implements MfaChallengeIssued {
  @ApiProperty({ enum: [true] })
  mfaRequired: true;

  @ApiProperty({ description: 'Send it with the code to POST /auth/login/mfa; valid 5 minutes and for 5 wrong codes' })
  mfaToken: string;

  @ApiProperty({ type: [String], example: ['totp', 'recovery_code'], description: 'What the user may answer with' })
  methods: Array<'totp' | 'recovery_code'>;

  @ApiProperty({ example: 300, description: 'Seconds left to complete the sign-in' })
  expiresIn: number;
}
