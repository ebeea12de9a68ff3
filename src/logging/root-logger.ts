import { isSpanContextValid, trace } from '@opentelemetry/api';
import { FastifyBaseLogger, FastifyReply, FastifyRequest, LogController } from 'fastify';
import pino, { Bindings, DestinationStream, LevelWithSilentOrString, Logger } from 'pino';
import pretty from 'pino-pretty';
import type { ServerConfig } from '../config/server.config';

/** Never logged: credentials, tokens and cookies, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.csrfToken',
];

/**
 * The trace of the line: the active span's ids, so a log line leads to its
 * trace and back (src/tracing.ts). Nothing when tracing is off: no span is
 * ever active then, and the lookup costs next to nothing.
 */
function traceIds(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
}

/**
 * The one pino logger of the process: Fastify logs requests with it and
 * Nest's Logger writes through it (nestjs-pino). JSON lines, or
 * human-readable ones (pino-pretty) on a terminal outside production; each
 * line written while a span is active carries `trace_id` and `span_id`.
 */
export function createRootLogger(server: ServerConfig, destination?: DestinationStream): Logger {
  const readable = destination === undefined && !server.isProduction && process.stdout.isTTY;
  return pino(
    {
      level: server.logLevel,
      mixin: traceIds,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        // The path only: a query string is the client's and may carry anything.
        req: (request: FastifyRequest) => ({ id: request.id, method: request.method, path: request.url.split('?')[0], remoteAddress: request.ip }),
        res: (reply: FastifyReply) => ({ statusCode: reply.statusCode }),
      },
    },
    destination ?? (readable ? pretty({ colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : pino.destination(1)),
  );
}

/**
 * A request's logger, made only when something is logged through it: most
 * requests log nothing at `warn` or `error`, and pino's child loggers are not
 * free (Fastify's `childLoggerFactory`).
 */
class DeferredChildLogger {
  private made?: Logger;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.parent.level;
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    return this.parent.isLevelEnabled(level);
  }

  child(bindings: Bindings): Logger {
    return this.logger.child(bindings);
  }

  fatal(...args: Parameters<Logger['fatal']>): void {
    this.logger.fatal(...args);
  }

  error(...args: Parameters<Logger['error']>): void {
    this.logger.error(...args);
  }

  warn(...args: Parameters<Logger['warn']>): void {
    this.logger.warn(...args);
  }

  info(...args: Parameters<Logger['info']>): void {
    this.logger.info(...args);
  }

  debug(...args: Parameters<Logger['debug']>): void {
    this.logger.debug(...args);
  }

  trace(...args: Parameters<Logger['trace']>): void {
    this.logger.trace(...args);
  }

  silent(): void {}

  private get logger(): Logger {
    return (this.made ??= this.parent.child(this.bindings));
  }
}

/** Fastify's `childLoggerFactory`; its parent is the root logger of createRootLogger. */
export function deferredChildLogger(parent: FastifyBaseLogger, bindings: Bindings): FastifyBaseLogger {
  return new DeferredChildLogger(parent as Logger, bindings);
}

/**
 * Fastify's request lines, one per request once it is answered (health
 * probes excepted), at the level its status deserves; nothing when it starts.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (request.url.startsWith('/health/')) return;
    const level = error || reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'warn' : 'info';
    if (!(request.log as Logger).isLevelEnabled(level)) return;
    request.log[level]({ req: request, res: reply, responseTime: reply.elapsedTime, ...(error && { err: error }) }, 'request completed');
  }
}
