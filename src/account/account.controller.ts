import { Body, Controller, Delete, HttpCode, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ACCESS_TOKEN_ERRORS, ApiErrors } from '../common/api-errors.decorator';
import { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { Client } from '../common/decorators/client-info.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ChangePasswordDto, DeleteAccountDto } from './dto/password.dto';
import { ChangeEmailDto } from './dto/recovery.dto';
import { LimitPasswordChecks } from '../rate-limit';
import { RecoveryService } from './recovery.service';
import { TokenCookies } from '../tokens';
import { AccountService } from './account.service';

/** The signed-in user's own address, password and account. */
@ApiTags('users')
@Controller('users')
export class AccountController {
  constructor(
    private readonly account: AccountService,
    private readonly cookies: TokenCookies,
    private readonly recovery: RecoveryService,
  ) {}

  @Post('me/email')
  @LimitPasswordChecks()
  @HttpCode(202)
  @ApiOperation({ summary: 'Change the address: mails a confirmation link to the new one and a notice to the current one' })
  @ApiAcceptedResponse({ description: 'The confirmation and the notice are mailed; the address changes when the confirmation link is followed' })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CREDENTIALS', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'EMAIL_TAKEN', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  async changeEmail(@CurrentUser() user: AuthenticatedUser, @Body() body: ChangeEmailDto, @Client() client: ClientInfo): Promise<void> {
    await this.recovery.requestEmailChange(user, body.newEmail, body.password, client);
  }

  @Delete('me/email')
  @HttpCode(204)
  @ApiOperation({ summary: 'Cancel a pending change of address: its confirmation link stops working (204 also when there is none)' })
  @ApiNoContentResponse()
  @ApiErrors(...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'SERVICE_UNAVAILABLE')
  async cancelEmailChange(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    await this.recovery.cancelEmailChange(user);
  }

  @Post('me/password')
  @LimitPasswordChecks()
  @HttpCode(204)
  @ApiOperation({ summary: 'Change the password; ends every other session' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CREDENTIALS', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'RATE_LIMITED')
  async changePassword(@CurrentUser() user: AuthenticatedUser, @Body() body: ChangePasswordDto, @Client() client: ClientInfo): Promise<void> {
    await this.account.changePassword(user, body.currentPassword, body.newPassword, client);
  }

  @Delete('me')
  @LimitPasswordChecks()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the account and every session' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CREDENTIALS', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'RATE_LIMITED')
  async deleteAccount(@CurrentUser() user: AuthenticatedUser, @Body() body: DeleteAccountDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.account.deleteAccount(user.id, body.password);
    this.cookies.clear(reply);
  }
}
