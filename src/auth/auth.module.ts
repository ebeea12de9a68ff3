import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { AccountController } from './account.controller';
import { AuthController } from './auth.controller';
import { AuthConfig, authConfig } from './auth.config';
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
import { jwtModuleOptions } from './keys/jwt-module-options';
import { KeysModule } from './keys/keys.module';
import { SigningKeysService } from './keys/signing-keys.service';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SessionAuthenticator } from './session-authenticator.service';
import { JwtRefreshStrategy } from './strategies/jwt-refresh.strategy';
import { JwtStrategy } from './strategies/jwt.strategy';
import { TokenCookies } from './token-cookies';
import { TokenService } from './token.service';

@Module({
  imports: [
    UsersModule,
    PassportModule,
    KeysModule,
    JwtModule.registerAsync({
      imports: [KeysModule],
      inject: [authConfig.KEY, SigningKeysService],
      useFactory: (config: AuthConfig, keys: SigningKeysService) => jwtModuleOptions(config, keys),
    }),
    RateLimitModule,
    TypeOrmModule.forFeature([KeyStore, AuthEvent]),
  ],
  controllers: [AuthController, AccountController],
  providers: [
    AuthService,
    SessionAuthenticator,
    TokenService,
    KeyStoreService,
    SessionCleanup,
    AuthEventsService,
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
