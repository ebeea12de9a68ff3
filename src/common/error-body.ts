import { STATUS_CODES } from 'node:http';
import { ERROR_STATUS, ErrorCode, FieldError } from './error-code';

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: ErrorCode;
  message: string;
  details?: FieldError[];
}

/** `status` overrides the code's usual one where a code stands for several (REQUEST_TOO_LARGE: 414 or 431). */
export function errorBody(code: ErrorCode, message: string, options: { details?: FieldError[]; status?: number } = {}): ErrorBody {
  const { details, status: statusCode = ERROR_STATUS[code] } = options;
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message, ...(details && { details }) };
}
