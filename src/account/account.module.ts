import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailModule } from '../mail';
import { RateLimitModule } from '../rate-limit';
import { SecurityEventsModule } from '../security-events';
import { SessionsModule } from '../sessions';
import { TokensModule } from '../tokens';
import { UsersModule } from '../users';
import { AccountToken } from './account-token.entity';
import { AccountTokens } from './account-tokens.service';
import { AccountController } from './account.controller';
import { AccountService } from './account.service';
import { RecoveryController } from './recovery.controller';
import { RecoveryService } from './recovery.service';

/** Recovery by mail (reset, verification, change of address) and the signed-in user's own credentials. */
@Module({
  imports: [TypeOrmModule.forFeature([AccountToken]), UsersModule, SessionsModule, TokensModule, SecurityEventsModule, MailModule, RateLimitModule],
  controllers: [RecoveryController, AccountController],
  providers: [AccountTokens, RecoveryService, AccountService],
})
export class AccountModule {}
