import { Logger } from '@nestjs/common';
import { config as loadDotEnv } from 'dotenv';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';

async function bootstrap(): Promise<void> {
  loadDotEnv({ quiet: true });
  const config = loadConfig(process.env);
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  new Logger('Bootstrap').log(`Listening on http://${host}:${config.port}${config.swaggerEnabled ? ` (Swagger UI at http://${host}:${config.port}/docs)` : ''}`);
}

bootstrap().catch((error: unknown) => {
  // A configuration problem stops the boot with one line that names it.
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
