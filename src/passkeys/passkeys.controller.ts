import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { ACCESS_TOKEN_ERRORS, ApiErrors } from '../common/api-errors.decorator';
import { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { CanonicalUuidPipe } from '../common/canonical-uuid.pipe';
import { Client } from '../common/decorators/client-info.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { LimitPasswordChecks } from '../rate-limit';
import { AddPasskeyDto, PasskeyOptionsDto, PasskeyResponseDto, RenamePasskeyDto } from './dto/passkey.dto';
import { PasskeysService } from './passkeys.service';

/** The signed-in user's passkeys. */
@ApiTags('passkeys')
@Controller('users/me/passkeys')
export class PasskeysController {
  constructor(private readonly passkeys: PasskeysService) {}

  @Post('options')
  @LimitPasswordChecks()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start adding a passkey (needs the password, or a recent sign-in without one): options for navigator.credentials.create(), valid 5 minutes',
  })
  @ApiOkResponse({ description: 'PublicKeyCredentialCreationOptionsJSON', schema: { type: 'object', additionalProperties: true } })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CREDENTIALS', 'REAUTHENTICATION_REQUIRED', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'MFA_REQUIRED', 'RATE_LIMITED')
  options(@CurrentUser() user: AuthenticatedUser, @Body() body: PasskeyOptionsDto): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return this.passkeys.registrationOptions(user, body.password);
  }

  @Post()
  @ApiOperation({ summary: 'Add the passkey the browser created with those options (the 400 PASSKEY_INVALID when it does not verify)' })
  @ApiCreatedResponse({ type: PasskeyResponseDto })
  @ApiErrors('VALIDATION_FAILED', 'PASSKEY_INVALID', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'MFA_REQUIRED')
  async add(@CurrentUser() user: AuthenticatedUser, @Body() body: AddPasskeyDto, @Client() client: ClientInfo): Promise<PasskeyResponseDto> {
    return PasskeyResponseDto.from(await this.passkeys.register(user, body.response, body.name, client));
  }

  @Get()
  @ApiOperation({ summary: "The user's passkeys, oldest first" })
  @ApiOkResponse({ type: [PasskeyResponseDto] })
  @ApiErrors(...ACCESS_TOKEN_ERRORS)
  async list(@CurrentUser() user: AuthenticatedUser): Promise<PasskeyResponseDto[]> {
    return (await this.passkeys.list(user.id)).map((passkey) => PasskeyResponseDto.from(passkey));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a passkey' })
  @ApiOkResponse({ type: PasskeyResponseDto })
  @ApiErrors('VALIDATION_FAILED', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'NOT_FOUND')
  async rename(@CurrentUser() user: AuthenticatedUser, @Param('id', CanonicalUuidPipe) id: string, @Body() body: RenamePasskeyDto): Promise<PasskeyResponseDto> {
    return PasskeyResponseDto.from(await this.passkeys.rename(user.id, id, body.name));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a passkey (never the account's last way in)" })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'MFA_REQUIRED', 'NOT_FOUND', 'LAST_SIGN_IN_METHOD')
  async remove(@CurrentUser() user: AuthenticatedUser, @Param('id', CanonicalUuidPipe) id: string, @Client() client: ClientInfo): Promise<void> {
    await this.passkeys.remove(user, id, client);
  }
}
