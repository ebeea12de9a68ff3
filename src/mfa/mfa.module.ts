import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailModule } from '../mail';
import { RateLimitModule } from '../rate-limit';
import { SecurityEventsModule } from '../security-events';
import { SessionsModule } from '../sessions';
import { UsersModule } from '../users';
import { MfaChallenge } from './mfa-challenge.entity';
import { MfaController } from './mfa.controller';
import { MfaKeys } from './mfa-keys.service';
import { MfaLogin } from './mfa-login.service';
import { MfaService } from './mfa.service';
import { RecoveryCode } from './recovery-code.entity';
import { SecondFactorService } from './second-factor.service';
import { TotpFactor } from './totp-factor.entity';

/** The second factor: TOTP with recovery codes, its login challenge, and the user's routes to manage it. */
@Module({
  imports: [TypeOrmModule.forFeature([TotpFactor, RecoveryCode, MfaChallenge]), UsersModule, SessionsModule, SecurityEventsModule, MailModule, RateLimitModule],
  controllers: [MfaController],
  providers: [MfaKeys, SecondFactorService, MfaLogin, MfaService],
  exports: [MfaLogin, MfaService],
})
export class MfaModule {}
