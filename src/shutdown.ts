import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Readiness } from './health/readiness';
import { drainHttpServer } from './http-drain';

export interface ShutdownTimings {
  /** SHUTDOWN_DELAY: `/health/ready` answers 503 while requests are still served. */
  delaySeconds: number;
  /** SHUTDOWN_GRACE: the longest the drain of requests in flight may take. */
  graceSeconds: number;
}

/**
 * SIGTERM or SIGINT, from the first line of the boot on. While starting (a
 * migration waiting for its lock, say), the process just stops: nothing is
 * served yet. Once serving: `/health/ready` turns 503 and requests are still
 * answered for SHUTDOWN_DELAY; then no new connections, every request in
 * flight answered, the listener and the pools closed, exit 0. A drain that
 * outlasts SHUTDOWN_GRACE is cut short (exit 1). A second signal ends the
 * process at once (Node's default, as the handlers are `once`).
 */
export class ShutdownOnSignals {
  private serving?: { app: NestFastifyApplication; timings: ShutdownTimings };

  /** `beforeExit` runs last on every way out (the tracer's flush). */
  constructor(private readonly beforeExit: () => Promise<void>) {
    process.once('SIGTERM', (signal) => void this.stop(signal));
    process.once('SIGINT', (signal) => void this.stop(signal));
  }

  serve(app: NestFastifyApplication, timings: ShutdownTimings): void {
    this.serving = { app, timings };
  }

  private async stop(signal: NodeJS.Signals): Promise<void> {
    if (!this.serving) {
      console.error(`${signal} while starting: stopped before serving`);
      return this.exit(0);
    }
    const { app, timings } = this.serving;
    const logger = new Logger('Shutdown');
    app.get(Readiness).beginShutdown();
    if (timings.delaySeconds > 0) {
      logger.log(`${signal}: /health/ready answers 503; still serving for SHUTDOWN_DELAY (${timings.delaySeconds} s)`);
      await new Promise((resolve) => setTimeout(resolve, timings.delaySeconds * 1000));
    }
    logger.log(`${signal}: no new connections; finishing the requests in flight (at most ${timings.graceSeconds} s)`);
    setTimeout(() => {
      logger.error(`Requests still in flight after SHUTDOWN_GRACE (${timings.graceSeconds} s); exiting anyway`);
      void this.exit(1);
    }, timings.graceSeconds * 1000).unref();
    try {
      await drainHttpServer(app.getHttpAdapter().getInstance(), app.getHttpServer());
      await app.close();
      await this.exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${(error as Error).message}`);
      await this.exit(1);
    }
  }

  private async exit(code: number): Promise<never> {
    await this.beforeExit().catch(() => undefined);
    process.exit(code);
  }
}
