import { Body, Controller, Header, Headers, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { ApiErrors } from '../common/api-errors.decorator';
import { ClientInfo } from '../common/authenticated-user';
import { Clock } from '../common/clock';
import { Client } from '../common/decorators/client-info.decorator';
import { Public } from '../common/decorators/public.decorator';
import { PasskeySignIn } from '../passkeys';
import { LOGIN_THROTTLER, RateLimitGuard } from '../rate-limit';
import { TokenCookies } from '../tokens';
import { AuthService, isChallenge } from './auth.service';
import { MfaChallengeDto } from './dto/mfa-login.dto';
import { PasskeyLoginDto, PasskeySignInOptionsDto } from './dto/passkey-login.dto';
import { SessionResponseDto } from './dto/session-response.dto';
import { loginTransport, sessionResponse } from './session-response';

/** Sign-in with a passkey: no email, no password; counted against RATE_LIMIT_AUTH per IP like login. */
@ApiTags('auth')
@Public()
@UseGuards(RateLimitGuard)
@SkipThrottle({ [LOGIN_THROTTLER]: true })
@Controller('auth/passkey')
export class PasskeyLoginController {
  constructor(
    private readonly auth: AuthService,
    private readonly passkeys: PasskeySignIn,
    private readonly cookies: TokenCookies,
    private readonly clock: Clock,
  ) {}

  @Post('options')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Options for navigator.credentials.get(), with the id of their challenge (5 minutes, single-use)' })
  @ApiOkResponse({ type: PasskeySignInOptionsDto })
  @ApiErrors('RATE_LIMITED')
  options(): Promise<PasskeySignInOptionsDto> {
    return this.passkeys.options();
  }

  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Start a session with a passkey: aal2 when the authenticator verified its user; otherwise aal1, or the second-factor challenge',
  })
  @ApiHeader({ name: 'X-Token-Transport', required: false, enum: ['cookie', 'body'], description: '`body` for mobile apps, services and CLIs' })
  @ApiExtraModels(SessionResponseDto, MfaChallengeDto)
  @ApiOkResponse({ schema: { oneOf: [{ $ref: getSchemaPath(SessionResponseDto) }, { $ref: getSchemaPath(MfaChallengeDto) }] } })
  @ApiErrors('VALIDATION_FAILED', 'PASSKEY_INVALID', 'EMAIL_NOT_VERIFIED', 'RATE_LIMITED')
  async login(
    @Body() body: PasskeyLoginDto,
    @Headers('x-token-transport') transportHeader: string | undefined,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionResponseDto | MfaChallengeDto> {
    const transport = loginTransport(transportHeader);
    const outcome = await this.auth.loginWithPasskey(body.challengeId, body.response, client);
    if (isChallenge(outcome)) return outcome;
    return sessionResponse(outcome, transport, reply, this.cookies, this.clock.now());
  }
}
