import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Metrics } from '../metrics/metrics.service';
import { AUTH_EVENTS, SessionRevokedEvent } from './auth-events';
import { RevokedReason } from './key-store.entity';

/** What follows sessions ended together, once that has committed: `auth_sessions_revoked_total`, and `auth.session.revoked`. */
@Injectable()
export class SessionEndings {
  constructor(
    private readonly metrics: Metrics,
    private readonly emitter: EventEmitter2,
  ) {}

  announce(userId: string, reason: RevokedReason, sessionIds: string[]): void {
    if (sessionIds.length === 0) return;
    this.metrics.sessionsRevoked.inc({ reason }, sessionIds.length);
    this.emitter.emit(AUTH_EVENTS.sessionRevoked, new SessionRevokedEvent(userId, sessionIds, reason));
  }
}
