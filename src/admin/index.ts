/** What other code may use of AdminModule: the module for the composition root, and the audit log for the command line. */
export { AdminModule } from './admin.module';
export { adminConfig } from './admin.config';
export { AuditEntry } from './audit-entry.entity';
export { recordAuditEntry } from './audit-log.service';
export type { AuditActor } from './audit-log.service';
