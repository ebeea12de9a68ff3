import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DatabaseConnectivity } from '../database/connectivity/database-connectivity.service';
import { isDatabaseUnavailable } from '../database/connectivity/database-unavailable';
import { errorBody } from './error-body';
import { AppError, ErrorCode, INVALID_TOKEN_CODES } from './error-code';

/** The one place where errors become HTTP responses: the contract's body, never a stack trace or SQL. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  constructor(private readonly connectivity: DatabaseConnectivity) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = this.toAppError(exception);
    if (error.code === 'INTERNAL_ERROR') {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (INVALID_TOKEN_CODES.has(error.code)) {
      reply.header('WWW-Authenticate', 'Bearer error="invalid_token"');
    } else if (error.code === 'TOKEN_MISSING') {
      reply.header('WWW-Authenticate', 'Bearer');
    }
    if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
    reply.status(error.status).send(errorBody(error.code, error.message, { details: error.details }));
  }

  private toAppError(exception: unknown): AppError {
    if (exception instanceof AppError) return exception;
    if (exception instanceof HttpException) return this.fromStatus(exception.getStatus(), exception.message);
    // While the database is down, whatever failed failed for want of it.
    if (isDatabaseUnavailable(exception) || !this.connectivity.available) {
      return new AppError('SERVICE_UNAVAILABLE', 'The database is unavailable; try again shortly');
    }
    const status = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return this.fromStatus(status, (exception as Error).message);
    }
    return new AppError('INTERNAL_ERROR', 'Something went wrong on our side');
  }

  /** Errors raised by the framework or Fastify itself (unknown route, body parsing, body size). */
  private fromStatus(status: number, message: string): AppError {
    const byStatus: Record<number, [ErrorCode, string]> = {
      400: ['VALIDATION_FAILED', 'The request body is not valid JSON'],
      401: ['TOKEN_MISSING', 'Authentication is required'],
      403: ['FORBIDDEN', 'You are not allowed to do this'],
      404: ['NOT_FOUND', 'Not found'],
      405: ['NOT_FOUND', 'Not found'],
      413: ['PAYLOAD_TOO_LARGE', 'The request body is larger than 16 KiB'],
      415: ['VALIDATION_FAILED', 'The request body must be JSON (Content-Type: application/json)'],
      429: ['RATE_LIMITED', 'Too many requests; try again later'],
      503: ['SERVICE_UNAVAILABLE', 'The service is unavailable; try again shortly'],
    };
    const [code, fallback] = byStatus[status] ?? (status < 500 ? byStatus[400] : ['INTERNAL_ERROR', 'Something went wrong on our side']);
    // Fastify's parser messages say what is wrong with the body; other statuses keep the fixed text.
    return new AppError(code, code === 'VALIDATION_FAILED' && message ? message : fallback);
  }
}
