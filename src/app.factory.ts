import fastifyCookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import { LoggerService, LogLevel, RequestMethod, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppModule } from './app.module';
import { TokenCookies } from './auth/token-cookies';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/app-config';
import { setupSwagger } from './swagger';

export const BODY_LIMIT_BYTES = 16 * 1024;

const NEST_LOG_LEVELS: Record<string, LogLevel[]> = {
  trace: ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'],
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
  fatal: ['fatal'],
  silent: [],
};

/** Builds the fully configured application (not yet listening): the same for `main.ts` and the e2e suites. */
export async function createApp(config: AppConfig, logger?: LoggerService | false): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, trustProxy: config.trustProxy });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: logger ?? NEST_LOG_LEVELS[config.logLevel],
    abortOnError: false,
    // Held until the app is up, so a configuration error at boot prints only its one line.
    bufferLogs: true,
    // acceptOnlyJsonBodies registers the one body parser.
    bodyParser: false,
  });
  app.flushLogs();
  acceptOnlyJsonBodies(app.getHttpAdapter().getInstance());
  noStoreForApiResponses(app.getHttpAdapter().getInstance());
  await app.register(fastifyCookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      credentials: true,
      allowedHeaders: ['Content-Type', 'Authorization', 'X-CSRF-Token', 'X-Token-Transport'],
    });
  }
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: '.well-known/jwks.json', method: RequestMethod.GET },
    ],
  });
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  app.useGlobalPipes(createValidationPipe());
  if (config.swaggerEnabled) setupSwagger(app, app.get(TokenCookies).names);
  app.enableShutdownHooks();
  return app;
}

/**
 * JSON is the only body the API takes: other content types are refused (the
 * filter answers 400), and an empty body with a JSON content type reads as no
 * body, since many clients send that header on every POST.
 */
function acceptOnlyJsonBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(body as string, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch {
      done(Object.assign(new Error('The request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
}

function noStoreForApiResponses(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/api/')) reply.header('Cache-Control', 'no-store');
  });
}
