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
import { MailModule } from '../mail/mail.module';
import { AccountToken } from './recovery/account-token.entity';
import { AccountTokens } from './recovery/account-tokens.service';
import { RecoveryController } from './recovery/recovery.controller';
import { RecoveryService } from './recovery/recovery.service';
import { SessionEndings } from './session-endings';

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
    MailModule,
    TypeOrmModule.forFeature([KeyStore, AuthEvent, AccountToken]),
  ],
  controllers: [AuthController, AccountController, RecoveryController],
  providers: [
    AuthService,
    SessionAuthenticator,
    TokenService,
    KeyStoreService,
    SessionCleanup,
    AuthEventsService,
    SessionEndings,
    AccountTokens,
    RecoveryService,
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
