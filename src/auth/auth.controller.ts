import { Body, Controller, Header, Headers, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_TOKEN_ERRORS, ApiErrors } from '../common/api-errors.decorator';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { UserResponseDto } from '../users';
import { AuthService, isChallenge } from './auth.service';
import { IssuedSession } from './issued-session';
import { MfaChallengeDto, MfaLoginDto } from './dto/mfa-login.dto';
import { AuthenticatedUser, ClientInfo, TokenTransport } from '../common/authenticated-user';
import { Client } from '../common/decorators/client-info.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { LoginDto, RegisterDto } from './dto/credentials.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { SessionResponseDto } from './dto/session-response.dto';
import { loginTransport, sessionResponse } from './session-response';
import { csrfHeader, CsrfGuard } from './guards/csrf.guard';
import { JwtRefreshGuard } from './guards/jwt-refresh.guard';
import { OptionalSessionGuard } from './guards/optional-session.guard';
import { LOGIN_THROTTLER, RateLimitGuard } from '../rate-limit';
import { RefreshPrincipal, SessionPrincipal, TokenCookies } from '../tokens';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly cookies: TokenCookies,
    private readonly clock: Clock,
  ) {}

  @Public()
  @UseGuards(RateLimitGuard)
  @SkipThrottle({ [LOGIN_THROTTLER]: true })
  @Post('register')
  @ApiOperation({ summary: 'Create an account (starts no session)' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrors('VALIDATION_FAILED', 'EMAIL_TAKEN', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED')
  async register(@Body() body: RegisterDto, @Client() client: ClientInfo): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.auth.register(body.email, body.password, body.name, client), this.clock.now());
  }

  @Public()
  @UseGuards(RateLimitGuard)
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Start a session: one token pair, in cookies (default) or in the body' })
  @ApiHeader({ name: 'X-Token-Transport', required: false, enum: ['cookie', 'body'], description: '`body` for mobile apps, services and CLIs' })
  @ApiExtraModels(SessionResponseDto, MfaChallengeDto)
  @ApiOkResponse({
    description: 'A session; or, for an account with a second factor, the challenge to complete with POST /auth/login/mfa (no session, no cookie)',
    schema: { oneOf: [{ $ref: getSchemaPath(SessionResponseDto) }, { $ref: getSchemaPath(MfaChallengeDto) }] },
  })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CREDENTIALS', 'EMAIL_NOT_VERIFIED', 'RATE_LIMITED')
  async login(
    @Body() body: LoginDto,
    @Headers('x-token-transport') transportHeader: string | undefined,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionResponseDto | MfaChallengeDto> {
    const transport = loginTransport(transportHeader);
    const outcome = await this.auth.login(body.email, body.password, client);
    if (isChallenge(outcome)) return outcome;
    return this.sessionResponse(outcome, transport, reply);
  }

  @Public()
  @UseGuards(RateLimitGuard)
  @SkipThrottle({ [LOGIN_THROTTLER]: true })
  @Post('login/mfa')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "Complete a login challenge with a TOTP code or a recovery code: the session, at aal2, in login's transport" })
  @ApiHeader({ name: 'X-Token-Transport', required: false, enum: ['cookie', 'body'], description: '`body` for mobile apps, services and CLIs' })
  @ApiOkResponse({ type: SessionResponseDto })
  @ApiErrors('VALIDATION_FAILED', 'MFA_TOKEN_INVALID', 'MFA_CODE_INVALID', 'RATE_LIMITED')
  async completeMfaLogin(
    @Body() body: MfaLoginDto,
    @Headers('x-token-transport') transportHeader: string | undefined,
    @Client() client: ClientInfo,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionResponseDto> {
    const transport = loginTransport(transportHeader);
    const proof = MfaLoginDto.proofOf(body);
    const fromCookie = body.mfaToken === undefined ? this.cookies.mfaToken(request) : undefined;
    const mfaToken = body.mfaToken ?? fromCookie;
    if (mfaToken === undefined) {
      throw new AppError('VALIDATION_FAILED', 'Send the mfaToken of the login challenge', {
        details: [{ field: 'mfaToken', messages: ['mfaToken is required (unless the sign-in left it in the MFA cookie)'] }],
      });
    }
    const issued = await this.auth.completeMfaLogin(mfaToken, proof, client);
    if (fromCookie !== undefined) this.cookies.clearMfaToken(reply);
    return this.sessionResponse(issued, transport, reply);
  }

  @Public()
  @UseGuards(RateLimitGuard, JwtRefreshGuard, CsrfGuard)
  @SkipThrottle({ [LOGIN_THROTTLER]: true })
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "Rotate the session's token pair (refresh token from the body or the cookie)" })
  @ApiSecurity('refresh-cookie')
  @ApiSecurity('csrf')
  @ApiBody({ type: RefreshTokenDto, required: false })
  @ApiOkResponse({ type: SessionResponseDto })
  @ApiErrors('VALIDATION_FAILED', 'TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'SESSION_REVOKED', 'REFRESH_TOKEN_REUSED', 'CSRF_TOKEN_INVALID', 'RATE_LIMITED')
  async refresh(
    @CurrentUser() principal: RefreshPrincipal,
    @Body() _body: RefreshTokenDto,
    @Req() request: FastifyRequest,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionResponseDto> {
    // CsrfGuard has checked it: cookie clients get the same session token back.
    const csrfToken = principal.via === 'cookie' ? (csrfHeader(request) ?? '') : '';
    const issued = await this.auth.refresh(principal, csrfToken, client);
    if (principal.via === 'cookie') this.cookies.set(reply, issued);
    return SessionResponseDto.from(issued, principal.via, this.clock.now());
  }

  @Public()
  @UseGuards(OptionalSessionGuard, CsrfGuard)
  @Post('logout')
  @HttpCode(204)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'End this session (by access token, or refresh token); always clears the cookies; idempotent' })
  @ApiBody({ type: RefreshTokenDto, required: false })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'CSRF_TOKEN_INVALID')
  async logout(
    @CurrentUser() principal: SessionPrincipal | undefined,
    @Body() _body: RefreshTokenDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    if (principal) await this.auth.logout(principal, client);
    this.cookies.clear(reply);
  }

  @Post('logout-all')
  @HttpCode(204)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'End every session of the user' })
  @ApiNoContentResponse()
  @ApiErrors(...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID')
  async logoutAll(@CurrentUser() user: AuthenticatedUser, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.auth.logoutAll(user, client);
    this.cookies.clear(reply);
  }

  private sessionResponse(issued: IssuedSession, transport: TokenTransport, reply: FastifyReply): SessionResponseDto {
    return sessionResponse(issued, transport, reply, this.cookies, this.clock.now());
  }
}
