import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IdentitiesModule } from '../identities';
import { MailModule } from '../mail';
import { MfaModule } from '../mfa';
import { PasskeysModule } from '../passkeys';
import { RateLimitModule } from '../rate-limit';
import { SecurityEventsModule } from '../security-events';
import { SessionsModule } from '../sessions';
import { TokensModule } from '../tokens';
import { UsersModule } from '../users';
import { AccessTokenVerifier } from './access-token-verifier.service';
import { AuthController } from './auth.controller';
import { OidcLoginController } from './oidc-login.controller';
import { PasskeyLoginController } from './passkey-login.controller';
import { AuthService } from './auth.service';
import { AssuranceGuard } from './guards/assurance.guard';
import { CsrfGuard } from './guards/csrf.guard';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { OptionalSessionGuard } from './guards/optional-session.guard';
import { RolesGuard } from './guards/roles.guard';
import { SessionStarter } from './session-starter.service';

/**
 * Registration, the password way in, rotation and logout, and the global
 * guards. Global for what it exports: any feature module injects
 * AccessTokenVerifier without importing AuthModule.
 */
@Global()
@Module({
  imports: [UsersModule, SessionsModule, TokensModule, SecurityEventsModule, RateLimitModule, MailModule, MfaModule, PasskeysModule, IdentitiesModule],
  controllers: [AuthController, PasskeyLoginController, OidcLoginController],
  providers: [
    AuthService,
    SessionStarter,
    AccessTokenVerifier,
    OptionalSessionGuard,
    CsrfGuard,
    // Global guards run in this order: authenticate, check CSRF, then roles, then the second factor.
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useExisting: CsrfGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_GUARD, useClass: AssuranceGuard },
  ],
  exports: [AccessTokenVerifier],
})
export class AuthModule {}
