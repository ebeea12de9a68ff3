import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthEvent } from './auth-event.entity';
import { AuthEventsService } from './auth-events.service';
import { SecurityEventsController } from './security-events.controller';

/** The stored trail of what happened to each account, written in the transaction of the change it records. */
@Module({
  imports: [TypeOrmModule.forFeature([AuthEvent])],
  controllers: [SecurityEventsController],
  providers: [AuthEventsService],
  exports: [AuthEventsService],
})
export class SecurityEventsModule {}
