import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { AccountController } from './account.controller';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthEvent } from './events/auth-event.entity';
import { AuthEventsService } from './events/auth-events.service';
import { CsrfGuard } from './guards/csrf.guard';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { OptionalSessionGuard } from './guards/optional-session.guard';
import { RolesGuard } from './guards/roles.guard';
import { KeyStore } from './key-store.entity';
import { KeyStoreService } from './key-store.service';
import { SessionCleanup } from './session-cleanup.service';
import { JwksController } from './keys/jwks.controller';
import { SigningKeysService } from './keys/signing-keys.service';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { JwtRefreshStrategy } from './strategies/jwt-refresh.strategy';
import { JwtStrategy } from './strategies/jwt.strategy';
import { TokenCookies } from './token-cookies';
import { TokenService } from './token.service';

@Module({
  imports: [UsersModule, PassportModule, RateLimitModule, TypeOrmModule.forFeature([KeyStore, AuthEvent])],
  controllers: [AuthController, AccountController, JwksController],
  providers: [
    AuthService,
    TokenService,
    KeyStoreService,
    SessionCleanup,
    AuthEventsService,
    SigningKeysService,
    TokenCookies,
    JwtStrategy,
    JwtRefreshStrategy,
    OptionalSessionGuard,
    CsrfGuard,
    // Global guards run in this order: authenticate, check CSRF, then roles.
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useExisting: CsrfGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
})
export class AuthModule {}
