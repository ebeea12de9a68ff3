/** What other modules may use of SecurityEventsModule. */
export { SecurityEventsModule } from './security-events.module';
export { AuthEventsService } from './auth-events.service';
export type { NewAuthEvent } from './auth-events.service';
export { AuthEvent } from './auth-event.entity';
export type { AuthEventType } from './auth-event.entity';
export { securityEventsConfig } from './security-events.config';
export type { SecurityEventsConfig } from './security-events.config';
