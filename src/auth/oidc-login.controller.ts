import { Controller, Get, Header, Inject, Param, Redirect, Req, Res, UseGuards } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors } from '../common/api-errors.decorator';
import { ClientInfo } from '../common/authenticated-user';
import { Client } from '../common/decorators/client-info.decorator';
import { Public } from '../common/decorators/public.decorator';
import { AppError, ErrorCode } from '../common/error-code';
import {
  flowBindingOf,
  IdentitiesConfig,
  identitiesConfig,
  IdentitiesService,
  OidcFlows,
  OidcProviders,
  OidcRedirectError,
  ProviderDto,
  resolveReturnTo,
  withError,
} from '../identities';
import { LOGIN_THROTTLER, RateLimitGuard } from '../rate-limit';
import { TokenCookies } from '../tokens';
import { AuthService, isChallenge } from './auth.service';

interface RedirectTo {
  url: string;
  statusCode: 302;
}

/** Errors of a sign-in that the callback answers with a redirect to `returnTo?error=CODE`, as a page can show them. */
const REDIRECTED_ERRORS: ReadonlySet<ErrorCode> = new Set(['EMAIL_NOT_VERIFIED', 'ACCOUNT_DISABLED']);

/**
 * Sign-in with OpenID Connect providers: the redirect to the provider and its
 * callback, which starts the session through SessionStarter like every way
 * in (so an account with a second factor is asked for it), or completes a
 * link started by a signed-in user. Counted against RATE_LIMIT_AUTH per IP.
 */
@ApiTags('auth')
@Public()
@Controller('auth')
export class OidcLoginController {
  constructor(
    private readonly auth: AuthService,
    private readonly providers: OidcProviders,
    private readonly flows: OidcFlows,
    private readonly identities: IdentitiesService,
    private readonly cookies: TokenCookies,
    @Inject(identitiesConfig.KEY) private readonly config: IdentitiesConfig,
  ) {}

  @Get('providers')
  @ApiOperation({ summary: 'The configured sign-in providers, for the buttons of a sign-in page' })
  @ApiOkResponse({ type: [ProviderDto] })
  providerList(): ProviderDto[] {
    return this.providers.list().map(({ name, label }) => ({ name, label }));
  }

  @Get('oidc/:provider')
  @UseGuards(RateLimitGuard)
  @SkipThrottle({ [LOGIN_THROTTLER]: true })
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Sign in at a provider: 302 to its authorization endpoint (code flow with PKCE, state and nonce), bound to this browser by a cookie' })
  @ApiQuery({ name: 'returnTo', required: false, description: 'Where to come back to: a path on APP_URL or a URL on one of CORS_ORIGINS (default APP_URL)' })
  @ApiFoundResponse({ description: 'To the provider; or to returnTo with ?error=OIDC_FAILED when the provider cannot be reached' })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND', 'RATE_LIMITED')
  async start(@Param('provider') name: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<RedirectTo> {
    const provider = this.providers.get(name);
    const returnTo = resolveReturnTo(queryOf(request).get('returnTo') ?? undefined, this.config);
    const binding = flowBindingOf(this.cookies, request, reply);
    try {
      const url = await this.flows.begin(provider, { binding: binding.value, returnTo });
      binding.keep();
      return found(url);
    } catch (error) {
      if (error instanceof OidcRedirectError) return found(withError(returnTo, error.code));
      throw error;
    }
  }

  @Get('oidc/:provider/callback')
  @UseGuards(RateLimitGuard)
  @SkipThrottle({ [LOGIN_THROTTLER]: true })
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      "The provider's answer: 302 to returnTo with a session in cookies (or the link made); to APP_URL/mfa with the MFA token in a cookie for an account with a second factor; or to returnTo?error=CODE",
  })
  @ApiFoundResponse({
    description:
      'returnTo, APP_URL/mfa, or returnTo?error=OIDC_FAILED | ACCOUNT_EXISTS | IDENTITY_TAKEN | EMAIL_NOT_VERIFIED | ACCOUNT_DISABLED | REAUTHENTICATION_REQUIRED',
  })
  @ApiErrors('OIDC_STATE_INVALID', 'NOT_FOUND', 'RATE_LIMITED')
  async callback(
    @Param('provider') name: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Client() client: ClientInfo,
  ): Promise<RedirectTo> {
    const provider = this.providers.get(name);
    const query = queryOf(request);
    const flow = await this.flows.take(provider, query.get('state') ?? undefined, this.cookies.flowBinding(request));
    try {
      const outcome = await this.identities.complete(provider, flow, query, client);
      if (outcome.kind === 'linked') return found(flow.returnTo);
      const started = await this.auth.loginWithProvider(outcome.user, client);
      if (isChallenge(started)) {
        this.cookies.setMfaToken(reply, started.mfaToken, started.expiresIn);
        return found(`${this.config.appUrl}/mfa`);
      }
      this.cookies.set(reply, started);
      return found(flow.returnTo);
    } catch (error) {
      if (error instanceof OidcRedirectError || (error instanceof AppError && REDIRECTED_ERRORS.has(error.code))) return found(withError(flow.returnTo, error.code));
      throw error;
    }
  }
}

function found(url: string): RedirectTo {
  return { url, statusCode: 302 };
}

/** The query string as sent (the provider's answer is checked as a whole: a repeated parameter is refused). */
function queryOf(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : request.url.slice(at + 1));
}
