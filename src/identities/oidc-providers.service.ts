import { Inject, Injectable, Logger } from '@nestjs/common';
import * as openIdClient from 'openid-client';
import { AppError } from '../common/error-code';
import { IdentitiesConfig, identitiesConfig, OidcProviderConfig } from './identities.config';

export type ProviderConfiguration = openIdClient.Configuration;

const DISCOVERY_ATTEMPTS = 2;
const DISCOVERY_RETRY_PAUSE_MS = 250;
/** Seconds for each request to a provider (discovery, token, keys, userinfo): a hung provider must not hold a sign-in for long. */
const PROVIDER_TIMEOUT_SECONDS = 10;

/**
 * The configured providers and their discovered metadata. Discovery happens
 * on a provider's first use, is retried within that request, and a failure
 * is forgotten so the next use tries again: a provider that is down never
 * stops the service, nor keeps failing once it is back.
 */
@Injectable()
export class OidcProviders {
  private readonly logger = new Logger(OidcProviders.name);
  private readonly byName: Map<string, OidcProviderConfig>;
  private readonly discovered = new Map<string, Promise<ProviderConfiguration>>();

  constructor(@Inject(identitiesConfig.KEY) config: IdentitiesConfig) {
    this.byName = new Map(config.providers.map((provider) => [provider.name, provider]));
  }

  list(): OidcProviderConfig[] {
    return [...this.byName.values()];
  }

  /** The provider called `name`; 404 for one that is not configured. */
  get(name: string): OidcProviderConfig {
    const provider = this.byName.get(name);
    if (!provider) throw new AppError('NOT_FOUND', 'No such sign-in provider');
    return provider;
  }

  /** The provider's discovered configuration, with its ID tokens' signatures checked against its JWKS. */
  configuration(provider: OidcProviderConfig): Promise<ProviderConfiguration> {
    let pending = this.discovered.get(provider.name);
    if (!pending) {
      pending = this.discover(provider);
      this.discovered.set(provider.name, pending);
      pending.catch(() => this.discovered.delete(provider.name));
    }
    return pending;
  }

  private async discover(provider: OidcProviderConfig): Promise<ProviderConfiguration> {
    // From the token endpoint an ID token's signature is not checked by default (TLS vouches for it); the contract asks for it.
    const execute = [openIdClient.enableNonRepudiationChecks, ...(provider.insecureIssuer ? [openIdClient.allowInsecureRequests] : [])];
    for (let attempt = 1; ; attempt++) {
      try {
        return await openIdClient.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, {
          execute,
          timeout: PROVIDER_TIMEOUT_SECONDS,
        });
      } catch (error) {
        if (attempt >= DISCOVERY_ATTEMPTS) {
          this.logger.warn(`Discovery of the sign-in provider "${provider.name}" at ${provider.issuer} failed: ${(error as Error).message}`);
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, DISCOVERY_RETRY_PAUSE_MS));
      }
    }
  }
}
