import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentitiesModule } from '../identities';
import { MfaModule } from '../mfa';
import { PasskeysModule } from '../passkeys';
import { SecurityEventsModule } from '../security-events';
import { SessionsModule } from '../sessions';
import { UsersModule } from '../users';
import { AdminActions } from './admin-actions.service';
import { AdminAssuranceGuard } from './admin-assurance.guard';
import { AdminController } from './admin.controller';
import { AuditEntry } from './audit-entry.entity';
import { AuditLog } from './audit-log.service';
import { UserDirectory } from './user-directory.service';

/** The admin API (role `admin`): find and read accounts, act on them, and the audit log of every such action. */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntry]), UsersModule, SessionsModule, SecurityEventsModule, MfaModule, PasskeysModule, IdentitiesModule],
  controllers: [AdminController],
  providers: [UserDirectory, AdminActions, AuditLog, AdminAssuranceGuard],
})
export class AdminModule {}
