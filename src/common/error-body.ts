import { STATUS_CODES } from 'node:http';
import { ERROR_STATUS, ErrorCode, FieldError } from './error-code';

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: ErrorCode;
  message: string;
  details?: FieldError[];
}

export function errorBody(code: ErrorCode, message: string, details?: FieldError[]): ErrorBody {
  const statusCode = ERROR_STATUS[code];
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message, ...(details && { details }) };
}
