import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { AccountController } from '../account/account.controller';
import { AuthController } from './auth.controller';
import { AuthConfig, authConfig } from './auth.config';
import { AuthService } from './auth.service';
import { AuthEvent } from '../security-events/auth-event.entity';
import { AuthEventsService } from '../security-events/auth-events.service';
import { CsrfGuard } from './guards/csrf.guard';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { OptionalSessionGuard } from './guards/optional-session.guard';
import { RolesGuard } from './guards/roles.guard';
import { KeyStore } from '../sessions/key-store.entity';
import { KeyStoreService } from '../sessions/key-store.service';
import { SessionCleanup } from '../sessions/session-cleanup.service';
import { jwtModuleOptions } from '../tokens/keys/jwt-module-options';
import { KeysModule } from '../tokens/keys/keys.module';
import { SigningKeysService } from '../tokens/keys/signing-keys.service';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionAuthenticator } from '../sessions/session-authenticator.service';
import { JwtRefreshStrategy } from '../tokens/strategies/jwt-refresh.strategy';
import { JwtStrategy } from '../tokens/strategies/jwt.strategy';
import { TokenCookies } from '../tokens/token-cookies';
import { TokenService } from '../tokens/token.service';
import { MailModule } from '../mail/mail.module';
import { AccountToken } from '../account/account-token.entity';
import { AccountTokens } from '../account/account-tokens.service';
import { RecoveryController } from '../account/recovery.controller';
import { RecoveryService } from '../account/recovery.service';
import { SessionEndings } from '../sessions/session-endings';

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
