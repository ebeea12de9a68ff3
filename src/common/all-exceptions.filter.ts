import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseConnectivity } from '../database/connectivity/database-connectivity.service';
import { isDatabaseUnavailable } from '../database/connectivity/database-unavailable';
import { isTransactionConflict } from '../database/transactions';
import { errorBody } from './error-body';
import { AppError, ErrorCode, FieldError, INVALID_TOKEN_CODES } from './error-code';

/** An error as the client will see it. */
interface Answer {
  status: number;
  code: string;
  message: string;
  details?: FieldError[];
  retryAfterSeconds?: number;
}

const INTERNAL_ERROR: Answer = { status: 500, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' };

/**
 * The code of an HttpException that names none, where the contract has its
 * own word for the status; any other status is its name (409 CONFLICT,
 * 422 UNPROCESSABLE_ENTITY, 410 GONE).
 */
const CONTRACT_CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  // Nest's pipes throw a bare BadRequestException for a parameter that does not parse.
  400: 'VALIDATION_FAILED',
  // Passport's AuthGuard throws a bare UnauthorizedException when no token authenticates the request.
  401: 'TOKEN_MISSING',
  429: 'RATE_LIMITED',
  500: 'INTERNAL_ERROR',
};

/**
 * Errors of the HTTP layer (Fastify and its plugins: body size, content type,
 * static files), in the contract's codes and with fixed texts.
 */
const HTTP_LAYER_ERRORS: Partial<Record<number, Answer>> = {
  401: { status: 401, code: 'TOKEN_MISSING', message: 'Authentication is required' },
  403: { status: 403, code: 'FORBIDDEN', message: 'You are not allowed to do this' },
  404: { status: 404, code: 'NOT_FOUND', message: 'Not found' },
  405: { status: 404, code: 'NOT_FOUND', message: 'Not found' },
  413: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than 16 KiB' },
  // JSON is the only body the API takes (app.factory.ts): another content type is a body that does not parse.
  415: { status: 400, code: 'VALIDATION_FAILED', message: 'The request body must be JSON (Content-Type: application/json)' },
  429: { status: 429, code: 'RATE_LIMITED', message: 'Too many requests; try again later' },
};

/** The one place where errors become HTTP responses: the contract's body, never a stack trace or SQL. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  constructor(private readonly connectivity: DatabaseConnectivity) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const answer = this.answerFor(exception, http.getRequest<FastifyRequest>());
    if (answer.status >= 500 && answer.status !== 503) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    // RFC 6750 challenges belong to 401s only: a mailed token that is no good is a 400 TOKEN_INVALID.
    if (answer.status === 401 && INVALID_TOKEN_CODES.has(answer.code as ErrorCode)) {
      reply.header('WWW-Authenticate', 'Bearer error="invalid_token"');
    } else if (answer.status === 401 && answer.code === 'TOKEN_MISSING') {
      reply.header('WWW-Authenticate', 'Bearer');
    }
    if (answer.retryAfterSeconds !== undefined) reply.header('Retry-After', String(answer.retryAfterSeconds));
    reply.status(answer.status).send(errorBody(answer.code, answer.message, { details: answer.details, status: answer.status }));
  }

  private answerFor(exception: unknown, request: FastifyRequest): Answer {
    if (exception instanceof AppError) {
      const { status, code, message, details, retryAfterSeconds } = exception;
      return { status, code, message, details, retryAfterSeconds };
    }
    if (exception instanceof HttpException) {
      return (isFastifyErrorFromNest(exception) && HTTP_LAYER_ERRORS[exception.getStatus()]) || fromHttpException(exception, request);
    }
    // Retried already (transactionWithRetry), or a statement outside it: the client may simply try again.
    if (isTransactionConflict(exception)) {
      return { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'A concurrent change to the same account got in the way; try again', retryAfterSeconds: 1 };
    }
    // While the database is down, whatever failed failed for want of it.
    if (isDatabaseUnavailable(exception) || !this.connectivity.available) {
      return { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; try again shortly' };
    }
    const status = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's parser messages say what is wrong with the body.
      return HTTP_LAYER_ERRORS[status] ?? { status: 400, code: 'VALIDATION_FAILED', message: (exception as Error).message || 'The request body is not valid JSON' };
    }
    return INTERNAL_ERROR;
  }
}

/**
 * An HttpException keeps its status, whoever threw it: its code is the one
 * its response names (`new ConflictException({ code: 'NOTE_EXISTS', message })`),
 * or else the status's.
 */
function fromHttpException(exception: HttpException, request: FastifyRequest): Answer {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const own = typeof response === 'object' && response !== null ? (response as { code?: unknown }).code : undefined;
  const code = typeof own === 'string' && own !== '' ? own : (CONTRACT_CODE_BY_STATUS[status] ?? statusName(status));
  if (code === 'INTERNAL_ERROR') return INTERNAL_ERROR;
  // The router's own 404 would repeat the path back ("Cannot GET /...").
  if (status === 404 && request.routeOptions?.url === undefined) return { status, code, message: 'Not found' };
  return { status, code, message: messageOf(response, exception) };
}

/** Nest hands a Fastify error on as a plain `HttpException(message, statusCode)` (its RoutesResolver). */
function isFastifyErrorFromNest(exception: HttpException): boolean {
  return exception.constructor === HttpException && typeof exception.getResponse() === 'string';
}

/** 409 CONFLICT, 422 UNPROCESSABLE_ENTITY: Nest's HttpStatus names. */
function statusName(status: number): string {
  return HttpStatus[status] ?? `HTTP_${status}`;
}

function messageOf(response: string | object, exception: HttpException): string {
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' && message !== '' ? message : exception.message;
}
