import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACCESS_TOKEN_ERRORS, ApiErrors, HttpExceptionCode } from '../common/api-errors.decorator';
import { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { Client } from '../common/decorators/client-info.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { ForgotPasswordDto, ResetPasswordDto, VerifyEmailDto } from './dto/recovery.dto';
import { SkipThrottle } from '@nestjs/throttler';
import { ForgotPasswordRateLimitGuard, LOGIN_THROTTLER, RateLimitGuard, VerificationMailRateLimitGuard } from '../rate-limit';
import { RecoveryService } from './recovery.service';

/** A mailed token that is unknown, used, replaced or expired. */
export const MAILED_TOKEN_INVALID: HttpExceptionCode = { status: 400, code: 'TOKEN_INVALID' };

@ApiTags('auth')
@Controller('auth')
export class RecoveryController {
  constructor(private readonly recovery: RecoveryService) {}

  @Public()
  @UseGuards(ForgotPasswordRateLimitGuard)
  @Post('password/forgot')
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail a single-use reset link, if an account has this address (the answer is the same either way)' })
  @ApiAcceptedResponse({ description: 'Whether or not an account has the address' })
  @ApiErrors('VALIDATION_FAILED', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  async forgotPassword(@Body() body: ForgotPasswordDto, @Client() client: ClientInfo): Promise<void> {
    await this.recovery.forgotPassword(body.email, client);
  }

  @Public()
  @UseGuards(RateLimitGuard)
  @SkipThrottle({ [LOGIN_THROTTLER]: true })
  @Post('password/reset')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password with the token of a reset link; ends every session and marks the address verified' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', MAILED_TOKEN_INVALID, 'RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  async resetPassword(@Body() body: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    await this.recovery.resetPassword(body.token, body.newPassword, client);
  }

  @Public()
  @UseGuards(RateLimitGuard)
  @SkipThrottle({ [LOGIN_THROTTLER]: true })
  @Post('email/verify')
  @HttpCode(204)
  @ApiOperation({ summary: 'Confirm the address (or a pending new address) with the token of a verification link' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', MAILED_TOKEN_INVALID, 'EMAIL_TAKEN', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  async verifyEmail(@Body() body: VerifyEmailDto, @Client() client: ClientInfo): Promise<void> {
    await this.recovery.verifyEmail(body.token, client);
  }

  @Post('email/verify/resend')
  @UseGuards(VerificationMailRateLimitGuard)
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail a new verification link (the previous one stops working); nothing is mailed if the address is verified' })
  @ApiAcceptedResponse({ description: 'A new link is mailed, unless the address is verified' })
  @ApiErrors(...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  async resendVerification(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    await this.recovery.resendVerification(user);
  }
}
