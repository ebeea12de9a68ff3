import { Logger } from '@nestjs/common';
import { prepareProcessEnvironment } from './config/process-environment';
import { ServerConfig, serverConfig } from './config/server.config';
import { ShutdownOnSignals } from './shutdown';
import { shutdownTracing, startTracing } from './tracing';

async function bootstrap(): Promise<void> {
  // First: a stop asked for during migrations is honoured, not ignored until listen.
  const shutdown = new ShutdownOnSignals(shutdownTracing);
  try {
    prepareProcessEnvironment();
    startTracing();
    // Loaded only now: the tracer's instrumentations patch Fastify, pg and ioredis as they are first required.
    const { createApp } = await import('./app.factory');
    const app = await createApp();
    const config = app.get<ServerConfig>(serverConfig.KEY);
    await app.listen({ port: config.port, host: config.host });
    shutdown.serve(app, { delaySeconds: config.shutdownDelaySeconds, graceSeconds: config.shutdownGraceSeconds });
    const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
    new Logger('Bootstrap').log(`Listening on http://${host}:${config.port}${config.swaggerEnabled ? ` (Swagger UI at http://${host}:${config.port}/docs)` : ''}`);
  } catch (error) {
    // One line that names the cause; the details of a failed boot are noise to whoever reads it.
    const { describeBootFailure } = await import('./boot-failure');
    console.error(describeBootFailure(error, process.env.DATABASE_URL));
    await shutdownTracing().catch(() => undefined);
    process.exit(1);
  }
}

void bootstrap();
