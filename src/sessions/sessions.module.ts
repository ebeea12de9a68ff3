import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecurityEventsModule } from '../security-events';
import { UsersModule } from '../users';
import { KeyStore } from './key-store.entity';
import { KeyStoreService } from './key-store.service';
import { SessionAuthenticator } from './session-authenticator.service';
import { SessionCleanup } from './session-cleanup.service';
import { SessionEndings } from './session-endings';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { UserPresence } from './user-presence';

/** The KeyStore: one row per session, the per-request session check and its caches, and the routes that list and end sessions. */
@Module({
  imports: [TypeOrmModule.forFeature([KeyStore]), UsersModule, SecurityEventsModule],
  controllers: [SessionsController],
  providers: [KeyStoreService, SessionAuthenticator, SessionEndings, SessionsService, SessionCleanup, UserPresence],
  exports: [KeyStoreService, SessionAuthenticator, SessionEndings, SessionsService, UserPresence],
})
export class SessionsModule {}
