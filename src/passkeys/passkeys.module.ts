import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailModule } from '../mail';
import { RateLimitModule } from '../rate-limit';
import { SecurityEventsModule } from '../security-events';
import { SessionsModule } from '../sessions';
import { UsersModule } from '../users';
import { PasskeyChallenge } from './passkey-challenge.entity';
import { PasskeyChallenges } from './passkey-challenges.service';
import { PasskeySignIn } from './passkey-sign-in.service';
import { PasskeyUserHandle } from './passkey-user-handle.entity';
import { Passkey } from './passkey.entity';
import { PasskeysController } from './passkeys.controller';
import { PasskeysService } from './passkeys.service';

/** Passkeys (WebAuthn): registration and management by their owner, and the checks of a passkey sign-in. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Passkey, PasskeyChallenge, PasskeyUserHandle]),
    UsersModule,
    SessionsModule,
    SecurityEventsModule,
    MailModule,
    RateLimitModule,
  ],
  controllers: [PasskeysController],
  providers: [PasskeyChallenges, PasskeysService, PasskeySignIn],
  exports: [PasskeySignIn, PasskeysService],
})
export class PasskeysModule {}
