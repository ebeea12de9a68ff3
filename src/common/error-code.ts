import { HttpStatus } from '@nestjs/common';

/** Every error code of the contract, with the one HTTP status it maps to. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  INVALID_CREDENTIALS: HttpStatus.UNAUTHORIZED,
  TOKEN_MISSING: HttpStatus.UNAUTHORIZED,
  TOKEN_INVALID: HttpStatus.UNAUTHORIZED,
  TOKEN_EXPIRED: HttpStatus.UNAUTHORIZED,
  SESSION_REVOKED: HttpStatus.UNAUTHORIZED,
  REFRESH_TOKEN_REUSED: HttpStatus.UNAUTHORIZED,
  CSRF_TOKEN_INVALID: HttpStatus.FORBIDDEN,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  EMAIL_TAKEN: HttpStatus.CONFLICT,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  /** A URL or path parameter over the server's limits; headers over them answer 431 with the same code. */
  REQUEST_TOO_LARGE: HttpStatus.URI_TOO_LONG,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  SERVICE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL_ERROR: HttpStatus.INTERNAL_SERVER_ERROR,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Codes for a problem with the presented token: answered with `WWW-Authenticate: Bearer error="invalid_token"`. */
export const INVALID_TOKEN_CODES: ReadonlySet<ErrorCode> = new Set(['TOKEN_INVALID', 'TOKEN_EXPIRED', 'SESSION_REVOKED', 'REFRESH_TOKEN_REUSED']);

export interface FieldError {
  field: string;
  messages: string[];
}

export interface AppErrorOptions {
  details?: FieldError[];
  /** When a retry may succeed, sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number;
}

/** Thrown by services; the exception filter turns it into the contract's error body. */
export class AppError extends Error {
  readonly details?: FieldError[];
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
