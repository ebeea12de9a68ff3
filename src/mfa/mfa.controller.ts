import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACCESS_TOKEN_ERRORS, ApiErrors } from '../common/api-errors.decorator';
import { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { Client } from '../common/decorators/client-info.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { RequireAal2 } from '../common/decorators/require-aal2.decorator';
import { LimitPasswordChecks } from '../rate-limit';
import { EnrolTotpDto, MfaCodeDto, MfaStatusDto, RecoveryCodesDto, TotpEnrolmentDto } from './dto/mfa.dto';
import { MfaService } from './mfa.service';

/** The signed-in user's second factor. */
@ApiTags('mfa')
@Controller('users/me/mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Get()
  @ApiOperation({ summary: 'Whether TOTP is enabled, and how many recovery codes are left' })
  @ApiOkResponse({ type: MfaStatusDto })
  @ApiErrors(...ACCESS_TOKEN_ERRORS)
  async status(@CurrentUser() user: AuthenticatedUser): Promise<MfaStatusDto> {
    return MfaStatusDto.from(await this.mfa.status(user.id));
  }

  @Post('totp')
  @LimitPasswordChecks()
  @HttpCode(200)
  @ApiOperation({ summary: 'Start enrolling TOTP (needs the password, or a recent sign-in without one): a secret and its QR code, to confirm with a first code' })
  @ApiOkResponse({ type: TotpEnrolmentDto })
  @ApiErrors(
    'VALIDATION_FAILED',
    'INVALID_CREDENTIALS',
    'REAUTHENTICATION_REQUIRED',
    ...ACCESS_TOKEN_ERRORS,
    'CSRF_TOKEN_INVALID',
    'MFA_ALREADY_ENABLED',
    'RATE_LIMITED',
  )
  startEnrolment(@CurrentUser() user: AuthenticatedUser, @Body() body: EnrolTotpDto): Promise<TotpEnrolmentDto> {
    return this.mfa.startEnrolment(user, body.password);
  }

  @Post('totp/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable TOTP with a first code: ends every other session, makes this one aal2, answers 10 recovery codes (shown once)' })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiErrors('VALIDATION_FAILED', 'MFA_CODE_INVALID', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'NOT_FOUND', 'MFA_ALREADY_ENABLED')
  async confirm(@CurrentUser() user: AuthenticatedUser, @Body() body: MfaCodeDto, @Client() client: ClientInfo): Promise<RecoveryCodesDto> {
    return { recoveryCodes: await this.mfa.confirm(user, body.code, client) };
  }

  @Delete('totp')
  @RequireAal2()
  @HttpCode(204)
  @ApiOperation({ summary: 'Disable the second factor with a TOTP or recovery code (needs an aal2 session); ends every other session' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'MFA_CODE_INVALID', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'MFA_REQUIRED', 'NOT_FOUND', 'RATE_LIMITED')
  async disable(@CurrentUser() user: AuthenticatedUser, @Body() body: MfaCodeDto, @Client() client: ClientInfo): Promise<void> {
    await this.mfa.disable(user, body.code, client);
  }

  @Post('recovery-codes')
  @RequireAal2()
  @HttpCode(200)
  @ApiOperation({ summary: 'Ten new recovery codes, with a TOTP or recovery code (needs an aal2 session); the earlier ones stop working' })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiErrors('VALIDATION_FAILED', 'MFA_CODE_INVALID', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'MFA_REQUIRED', 'NOT_FOUND', 'RATE_LIMITED')
  async regenerate(@CurrentUser() user: AuthenticatedUser, @Body() body: MfaCodeDto, @Client() client: ClientInfo): Promise<RecoveryCodesDto> {
    return { recoveryCodes: await this.mfa.regenerateRecoveryCodes(user, body.code, client) };
  }
}
