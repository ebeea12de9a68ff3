import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ACCESS_TOKEN_ERRORS, ApiErrors } from '../common/api-errors.decorator';
import { CanonicalUuidPipe } from '../common/canonical-uuid.pipe';
import { AuthService } from '../auth/auth.service';
import { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { Client } from '../common/decorators/client-info.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { AuthEventListDto, ListAuthEventsQueryDto } from '../security-events/dto/auth-events.dto';
import { ChangePasswordDto, DeleteAccountDto } from './dto/password.dto';
import { ChangeEmailDto } from './dto/recovery.dto';
import { LimitPasswordChecks } from '../rate-limit/rate-limit.guard';
import { RecoveryService } from './recovery.service';
import { TokenCookies } from '../tokens/token-cookies';

const DEFAULT_EVENTS_PAGE = 20;

/** The `/users` routes that touch credentials, sessions or the security trail, which UsersModule knows nothing of. */
@ApiTags('users')
@Controller('users')
export class AccountController {
  constructor(
    private readonly auth: AuthService,
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
    await this.auth.changePassword(user, body.currentPassword, body.newPassword, client);
  }

  @Get('me/events')
  @ApiOperation({ summary: "The user's own security activity, newest first" })
  @ApiOkResponse({ type: AuthEventListDto })
  @ApiErrors('VALIDATION_FAILED', ...ACCESS_TOKEN_ERRORS)
  async events(@CurrentUser() user: AuthenticatedUser, @Query() query: ListAuthEventsQueryDto): Promise<AuthEventListDto> {
    return AuthEventListDto.from(await this.auth.listEvents(user.id, query.limit ?? DEFAULT_EVENTS_PAGE, query.before));
  }

  @Delete('me')
  @LimitPasswordChecks()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the account and every session' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CREDENTIALS', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'RATE_LIMITED')
  async deleteAccount(@CurrentUser() user: AuthenticatedUser, @Body() body: DeleteAccountDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.auth.deleteAccount(user.id, body.password);
    this.cookies.clear(reply);
  }

  @Delete(':id/sessions')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Incident response: end every session of any user (role admin)' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'FORBIDDEN', 'NOT_FOUND')
  async endAllSessionsOf(@Param('id', CanonicalUuidPipe) userId: string, @Client() client: ClientInfo): Promise<void> {
    await this.auth.endAllSessionsOf(userId, client);
  }
}
