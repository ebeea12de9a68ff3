/** What other modules may use of IdentitiesModule. */
export { IdentitiesModule } from './identities.module';
export { identitiesConfig } from './identities.config';
export type { IdentitiesConfig, OidcProviderConfig } from './identities.config';
export { IdentitiesService, withError } from './identities.service';
export type { ProviderOutcome } from './identities.service';
export { OidcFlows } from './oidc-flows.service';
export { OidcProviders } from './oidc-providers.service';
export { OidcRedirectError } from './oidc-outcome';
export type { OidcRedirectCode } from './oidc-outcome';
export { flowBindingOf } from './flow-binding';
export { resolveReturnTo } from './return-to';
export { ProviderDto } from './dto/identity.dto';
export { IdentityResponseDto } from './dto/identity.dto';
export type { Identity } from './identity.entity';
