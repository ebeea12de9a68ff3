import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import * as openIdClient from 'openid-client';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { CLEANUP_INTERVAL_MS, deleteExpiredRows } from '../database/hourly-cleanup';
import { hashKey } from '../sessions';
import { OidcProviderConfig } from './identities.config';
import { OidcFlow } from './oidc-flow.entity';
import { OidcRedirectError } from './oidc-outcome';
import { OidcProviders } from './oidc-providers.service';

export const OIDC_FLOW_TTL_MS = 10 * 60_000;

/** What a provider said about the user, from its verified ID token (and its userinfo, where the ID token has no address). */
export interface ProviderClaims {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

export interface NewFlow {
  /** The value of the browser's flow cookie. */
  binding: string;
  returnTo: string;
  link?: { userId: string; securityStamp: number; sessionId: string };
}

/**
 * The authorization code flow with a provider: the redirect there (PKCE S256,
 * `state`, `nonce`), kept server-side for 10 minutes and bound to the
 * browser's flow cookie; then the answer, taken at most once and verified.
 */
@Injectable()
export class OidcFlows {
  private readonly logger = new Logger(OidcFlows.name);

  constructor(
    @InjectRepository(OidcFlow) private readonly flows: Repository<OidcFlow>,
    private readonly providers: OidcProviders,
    private readonly clock: Clock,
  ) {}

  /** The provider's authorization URL for a new flow; OIDC_FAILED when the provider cannot be reached. */
  async begin(provider: OidcProviderConfig, flow: NewFlow): Promise<string> {
    const configuration = await this.providers.configuration(provider).catch(() => {
      throw new OidcRedirectError('OIDC_FAILED', 'The provider cannot be reached');
    });
    const state = openIdClient.randomState();
    const nonce = openIdClient.randomNonce();
    const codeVerifier = openIdClient.randomPKCECodeVerifier();
    await this.flows.insert({
      stateHash: hashKey(state),
      bindingHash: hashKey(flow.binding),
      provider: provider.name,
      nonce,
      codeVerifier,
      returnTo: flow.returnTo,
      linkUserId: flow.link?.userId ?? null,
      linkSecurityStamp: flow.link?.securityStamp ?? null,
      linkSessionId: flow.link?.sessionId ?? null,
      expiresAt: new Date(this.clock.now() + OIDC_FLOW_TTL_MS),
    });
    const url = openIdClient.buildAuthorizationUrl(configuration, {
      response_type: 'code',
      redirect_uri: provider.redirectUri,
      scope: provider.scopes,
      code_challenge: await openIdClient.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return url.href;
  }

  /**
   * Takes the flow that `state` names, if this browser started it for this
   * provider and it is not too late: 400 OIDC_STATE_INVALID otherwise. A
   * taken flow is gone, whatever the answer turns out to be.
   */
  async take(provider: OidcProviderConfig, state: string | undefined, binding: string | undefined): Promise<TakenFlow> {
    const rows = state
      ? ((
          await this.flows
            .createQueryBuilder()
            .delete()
            .where('state_hash = :stateHash AND expires_at > :now', { stateHash: hashKey(state), now: new Date(this.clock.now()) })
            .returning(FLOW_AS_ENTITY)
            .execute()
        ).raw as TakenFlow[])
      : [];
    const flow = rows[0];
    if (!flow || flow.provider !== provider.name || !binding || flow.bindingHash !== hashKey(binding)) {
      throw new AppError('OIDC_STATE_INVALID', 'This sign-in was not started in this browser, was answered already, or took longer than 10 minutes: start again');
    }
    return flow;
  }

  /** The provider's answer to `flow`, verified (code for tokens with PKCE; the ID token's signature, iss, aud, exp, iat and nonce). */
  async answer(provider: OidcProviderConfig, flow: TakenFlow, query: URLSearchParams): Promise<ProviderClaims> {
    const configuration = await this.providers.configuration(provider);
    const callbackUrl = new URL(provider.redirectUri);
    callbackUrl.search = query.toString();
    const tokens = await openIdClient.authorizationCodeGrant(
      configuration,
      callbackUrl,
      { pkceCodeVerifier: flow.codeVerifier, expectedState: query.get('state') ?? undefined, expectedNonce: flow.nonce, idTokenExpected: true },
      { redirect_uri: provider.redirectUri },
    );
    const idToken = tokens.claims();
    if (!idToken) throw new Error('The provider answered without an ID token');
    let claims: Record<string, unknown> = idToken;
    if (typeof idToken.email !== 'string') claims = { ...(await openIdClient.fetchUserInfo(configuration, tokens.access_token, idToken.sub)), sub: idToken.sub };
    return {
      subject: idToken.sub,
      email: typeof claims.email === 'string' && claims.email !== '' ? claims.email : null,
      // Some providers send it as a string.
      emailVerified: claims.email_verified === true || claims.email_verified === 'true',
      name: typeof claims.name === 'string' && claims.name.trim() !== '' ? claims.name.trim() : null,
    };
  }

  @Interval(CLEANUP_INTERVAL_MS)
  deleteExpired(): Promise<number> {
    return deleteExpiredRows(this.logger, 'Expired sign-in flow', this.flows, this.clock.now());
  }
}

export type TakenFlow = Omit<OidcFlow, 'stateHash' | 'expiresAt'>;

/** The RETURNING list of a taken flow, named as the entity's properties. */
const FLOW_AS_ENTITY = [
  'provider',
  'nonce',
  'binding_hash AS "bindingHash"',
  'code_verifier AS "codeVerifier"',
  'return_to AS "returnTo"',
  'link_user_id AS "linkUserId"',
  'link_security_stamp AS "linkSecurityStamp"',
  'link_session_id AS "linkSessionId"',
].join(', ');
