import { Body, Controller, Delete, Get, Header, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_TOKEN_ERRORS, ApiErrors } from '../common/api-errors.decorator';
import { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { CanonicalUuidPipe } from '../common/canonical-uuid.pipe';
import { Client } from '../common/decorators/client-info.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { LimitPasswordChecks } from '../rate-limit';
import { TokenCookies } from '../tokens';
import { IdentityResponseDto, LinkIdentityDto, LinkUrlDto } from './dto/identity.dto';
import { flowBindingOf } from './flow-binding';
import { IdentitiesConfig, identitiesConfig } from './identities.config';
import { IdentitiesService } from './identities.service';
import { OidcProviders } from './oidc-providers.service';
import { resolveReturnTo } from './return-to';

/** The signed-in user's identities at OpenID Connect providers. */
@ApiTags('identities')
@Controller('users/me/identities')
export class IdentitiesController {
  constructor(
    private readonly identities: IdentitiesService,
    private readonly providers: OidcProviders,
    private readonly cookies: TokenCookies,
    @Inject(identitiesConfig.KEY) private readonly config: IdentitiesConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: "The user's linked identities, oldest first" })
  @ApiOkResponse({ type: [IdentityResponseDto] })
  @ApiErrors(...ACCESS_TOKEN_ERRORS)
  async list(@CurrentUser() user: AuthenticatedUser): Promise<IdentityResponseDto[]> {
    return (await this.identities.list(user.id)).map((identity) => IdentityResponseDto.from(identity));
  }

  @Post(':provider')
  @LimitPasswordChecks()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      "Start linking an identity at a provider (needs the password, or a recent sign-in without one): the provider's URL to send the browser to; the callback links it",
  })
  @ApiOkResponse({ type: LinkUrlDto })
  @ApiErrors(
    'VALIDATION_FAILED',
    'INVALID_CREDENTIALS',
    'REAUTHENTICATION_REQUIRED',
    ...ACCESS_TOKEN_ERRORS,
    'CSRF_TOKEN_INVALID',
    'MFA_REQUIRED',
    'NOT_FOUND',
    'RATE_LIMITED',
  )
  async startLink(
    @CurrentUser() user: AuthenticatedUser,
    @Param('provider') name: string,
    @Body() body: LinkIdentityDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LinkUrlDto> {
    const provider = this.providers.get(name);
    const returnTo = resolveReturnTo(body.returnTo, this.config);
    const binding = flowBindingOf(this.cookies, request, reply);
    const url = await this.identities.startLink(user, provider, body.password, { binding: binding.value, returnTo });
    binding.keep();
    return { url };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: "Unlink an identity (never the account's last way in)" })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', ...ACCESS_TOKEN_ERRORS, 'CSRF_TOKEN_INVALID', 'MFA_REQUIRED', 'NOT_FOUND', 'LAST_SIGN_IN_METHOD')
  async unlink(@CurrentUser() user: AuthenticatedUser, @Param('id', CanonicalUuidPipe) id: string, @Client() client: ClientInfo): Promise<void> {
    await this.identities.unlink(user, id, client);
  }
}
