import { Injectable } from '@nestjs/common';

/**
 * Whether this instance still wants traffic. On SIGTERM it says no first
 * (`/health/ready` answers 503) and keeps serving for SHUTDOWN_DELAY, so a
 * load balancer routes elsewhere before the listener closes.
 */
@Injectable()
export class Readiness {
  private stopping = false;

  get shuttingDown(): boolean {
    return this.stopping;
  }

  beginShutdown(): void {
    this.stopping = true;
  }
}
