import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailModule } from '../mail';
import { RateLimitModule } from '../rate-limit';
import { SecurityEventsModule } from '../security-events';
import { SessionsModule } from '../sessions';
import { TokensModule } from '../tokens';
import { UsersModule } from '../users';
import { IdentitiesController } from './identities.controller';
import { IdentitiesService } from './identities.service';
import { Identity } from './identity.entity';
import { OidcFlow } from './oidc-flow.entity';
import { OidcFlows } from './oidc-flows.service';
import { OidcProviders } from './oidc-providers.service';

/** Identities at OpenID Connect providers: the flows with the providers, the accounts they sign in, and their linking by the owner. */
@Module({
  imports: [TypeOrmModule.forFeature([Identity, OidcFlow]), UsersModule, SessionsModule, TokensModule, SecurityEventsModule, MailModule, RateLimitModule],
  controllers: [IdentitiesController],
  providers: [OidcProviders, OidcFlows, IdentitiesService],
  exports: [OidcProviders, OidcFlows, IdentitiesService],
})
export class IdentitiesModule {}
