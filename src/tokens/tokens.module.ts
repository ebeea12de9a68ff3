import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { SessionsModule } from '../sessions';
import { jwtModuleOptions } from './keys/jwt-module-options';
import { KeysModule } from './keys/keys.module';
import { SigningKeysService } from './keys/signing-keys.service';
import { JwtRefreshStrategy } from './strategies/jwt-refresh.strategy';
import { JwtStrategy } from './strategies/jwt.strategy';
import { TokenCookies } from './token-cookies';
import { TokenService } from './token.service';
import { TokensConfig, tokensConfig } from './tokens.config';

/** Signing and verifying tokens: JwtService with the signing keys, the JWKS, the Passport strategies, and the cookies that carry tokens. */
@Module({
  imports: [
    SessionsModule,
    PassportModule,
    KeysModule,
    JwtModule.registerAsync({
      imports: [KeysModule],
      inject: [tokensConfig.KEY, SigningKeysService],
      useFactory: (config: TokensConfig, keys: SigningKeysService) => jwtModuleOptions(config, keys),
    }),
  ],
  providers: [TokenService, TokenCookies, JwtStrategy, JwtRefreshStrategy],
  exports: [TokenService, TokenCookies, JwtStrategy],
})
export class TokensModule {}
