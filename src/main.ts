import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { config as loadDotEnv } from 'dotenv';
import { createApp } from './app.factory';
import { describeBootFailure } from './boot-failure';
import { ServerConfig, serverConfig } from './config/server.config';
import { drainHttpServer } from './http-drain';

async function bootstrap(): Promise<void> {
  loadDotEnv({ quiet: true });
  try {
    const app = await createApp();
    const config = app.get<ServerConfig>(serverConfig.KEY);
    await app.listen({ port: config.port, host: config.host });
    drainOnSignals(app, config.shutdownGraceSeconds);
    const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
    new Logger('Bootstrap').log(`Listening on http://${host}:${config.port}${config.swaggerEnabled ? ` (Swagger UI at http://${host}:${config.port}/docs)` : ''}`);
  } catch (error) {
    // One line that names the cause; the details of a failed boot are noise to whoever reads it.
    console.error(describeBootFailure(error, process.env.DATABASE_URL));
    process.exit(1);
  }
}

/**
 * SIGTERM or SIGINT: stop accepting connections, answer every request in
 * flight, then close the listener and the pools and exit 0. A drain that
 * outlasts SHUTDOWN_GRACE is cut short (exit 1).
 */
function drainOnSignals(app: NestFastifyApplication, graceSeconds: number): void {
  const logger = new Logger('Shutdown');
  const shutdown = async (signal: NodeJS.Signals) => {
    logger.log(`${signal}: no new connections; finishing the requests in flight (at most ${graceSeconds} s)`);
    setTimeout(() => {
      logger.error(`Requests still in flight after SHUTDOWN_GRACE (${graceSeconds} s); exiting anyway`);
      process.exit(1);
    }, graceSeconds * 1000).unref();
    try {
      await drainHttpServer(app.getHttpAdapter().getInstance(), app.getHttpServer());
      await app.close();
      process.exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

void bootstrap();
