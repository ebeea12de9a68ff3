import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthEvent } from './auth-event.entity';
import { AuthEventsRetention } from './auth-events-retention';
import { AuthEventsService } from './auth-events.service';
import { SecurityEventLog } from './security-event-log';
import { SecurityEventsController } from './security-events.controller';

/**
 * The stored trail of what happened to each account, written in the
 * transaction of the change it records, logged once that commits, and kept
 * for AUTH_EVENTS_RETENTION.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuthEvent])],
  controllers: [SecurityEventsController],
  providers: [AuthEventsService, AuthEventsRetention, SecurityEventLog],
  exports: [AuthEventsService],
})
export class SecurityEventsModule {}
