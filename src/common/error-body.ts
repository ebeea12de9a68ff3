import { STATUS_CODES } from 'node:http';
import { ERROR_STATUS, ErrorCode, FieldError } from './error-code';

export interface ErrorBody {
  statusCode: number;
  error: string;
  /** One of the contract's codes, or the code of an HttpException (its own, or its status name). */
  code: string;
  message: string;
  details?: FieldError[];
}

/** `status` overrides the code's usual one where a code stands for several (REQUEST_TOO_LARGE: 414 or 431). */
export function errorBody(code: ErrorCode, message: string, options?: { details?: FieldError[]; status?: number }): ErrorBody;
/** A code outside the contract's list needs its status. */
export function errorBody(code: string, message: string, options: { details?: FieldError[]; status: number }): ErrorBody;
export function errorBody(code: string, message: string, options: { details?: FieldError[]; status?: number } = {}): ErrorBody {
  const { details, status: statusCode = ERROR_STATUS[code as ErrorCode] } = options;
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message, ...(details && { details }) };
}
