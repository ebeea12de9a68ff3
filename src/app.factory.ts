import fastifyCookie from '@fastify/cookie';
import { ACCOUNT_PAGE_PATHS } from './account-pages/account-pages.module';
import { RequestMethod, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { Logger } from 'nestjs-pino';
import { AppModule, AppOptions } from './app.module';
import { checkSigningKeysBeforeBoot, readTokensConfig, TokenCookies } from './tokens';
import { clientErrorHandler, frameworkErrors, MAX_URL_LENGTH, urlTooLong } from './common/http-layer-errors';
import { assertSafeStrings, parseJsonBody } from './common/json-body';
import { createValidationPipe } from './common/validation.pipe';
import { securityHeaders } from './common/security-headers';
import { REQUEST_ID_HEADER, requestId } from './logging/logging.module';
import { createRootLogger, deferredChildLogger, RequestLogController } from './logging/root-logger';
import { readServerConfig, ServerConfig, serverConfig } from './config/server.config';
import { closeConnectionsWhileDraining } from './http-drain';
import { Metrics } from './metrics/metrics.service';
import { setupSwagger } from './swagger';

export const BODY_LIMIT_BYTES = 16 * 1024;
/** How often Node looks for requests past REQUEST_TIMEOUT (its default, 30 s, would let one live almost twice as long). */
const CONNECTIONS_CHECK_MS = 1000;
/** How long a browser may cache a preflight answer. */
const CORS_MAX_AGE_SECONDS = 600;

/**
 * Builds the fully configured application (not yet listening) from the
 * environment: the same for `main.ts` and the e2e suites.
 */
export async function createApp(options: AppOptions = {}): Promise<NestFastifyApplication> {
  // Needed before the modules exist; the same reading they validate again.
  const server = readServerConfig(process.env);
  checkSigningKeysBeforeBoot(readTokensConfig(process.env), server.isProduction);
  const logger = createRootLogger(server, options.logDestination);
  const requestTimeoutMs = server.requestTimeoutSeconds * 1000;
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // A slow client must not hold a connection (and its file descriptor) forever: Fastify's default is no limit.
    requestTimeout: requestTimeoutMs,
    http: { headersTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_MS, requestTimeoutMs) },
    trustProxy: server.trustProxy,
    loggerInstance: logger,
    logController: new RequestLogController(),
    childLoggerFactory: deferredChildLogger,
    requestIdHeader: false,
    genReqId: requestId,
    // Errors of the router and of Node's HTTP parser get the contract's body too.
    frameworkErrors,
    clientErrorHandler,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ ...options, logger }), adapter, {
    abortOnError: false,
    // Held until the app is up, so a failed boot prints only its one line (main.ts).
    bufferLogs: true,
    autoFlushLogs: false,
    // acceptOnlyJsonBodies registers the one body parser.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  const config = app.get<ServerConfig>(serverConfig.KEY);
  const fastify = app.getHttpAdapter().getInstance();
  acceptOnlyJsonBodies(fastify);
  answerEveryRequest(fastify);
  closeConnectionsWhileDraining(fastify);
  timeRequests(fastify, app.get(Metrics));
  refuseUnsafeStrings(fastify);
  await app.register(fastifyCookie);
  if (config.corsOrigins.length > 0) allowCorsFrom(app, config.corsOrigins);
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: '.well-known/jwks.json', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      ...ACCOUNT_PAGE_PATHS.map((path) => ({ path, method: RequestMethod.GET })),
    ],
  });
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  app.useGlobalPipes(createValidationPipe());
  if (config.swaggerEnabled) setupSwagger(app, app.get(TokenCookies).names);
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
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** NUL and unpaired surrogates in the query string or path are 400, as in bodies. */
function refuseUnsafeStrings(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    assertSafeStrings(request.query, 'The query string');
    assertSafeStrings(request.params, 'The path');
    done();
  });
}

/**
 * CORS with credentials for the listed origins only. The origin is decided by
 * a function because with a list @fastify/cors still sends the other
 * Access-Control-* headers to an unlisted origin; this way it gets none.
 */
function allowCorsFrom(app: NestFastifyApplication, origins: string[]): void {
  const allowed = new Set(origins);
  app.enableCors({
    origin: (origin: string | undefined, callback: (error: Error | null, allow: string | false) => void) =>
      callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    credentials: true,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-CSRF-Token', 'X-Token-Transport', REQUEST_ID_HEADER],
    exposedHeaders: [REQUEST_ID_HEADER, 'Retry-After'],
    maxAge: CORS_MAX_AGE_SECONDS,
  });
}

/**
 * On every request, before anything else: a URL over MAX_URL_LENGTH is 414;
 * every response names its request id (the one on its log lines), carries
 * the security headers (helmet's, computed once), and is never cached when
 * it is an API response.
 */
function answerEveryRequest(fastify: FastifyInstance): void {
  const headers = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.url.length > MAX_URL_LENGTH) return done(urlTooLong());
    reply.headers(headers);
    reply.header(REQUEST_ID_HEADER, request.id);
    if (request.url.startsWith('/api/')) reply.header('Cache-Control', 'no-store');
    done();
  });
}

/** `http_request_duration_seconds`, labelled with the route pattern (never the raw URL, which the client controls). */
function timeRequests(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
