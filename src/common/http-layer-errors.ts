import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from './error-body';
import { AppError, ErrorCode } from './error-code';

/** Longer URLs are refused with 414 (Node's parser refuses a request line past its 16 KiB header limit anyway). */
export const MAX_URL_LENGTH = 8 * 1024;

/** What Node hands its `clientError` listeners: `rawPacket` is the data the parser gave up on. */
type ClientError = Error & { code?: string; rawPacket?: unknown };

interface HttpLayerError {
  status: number;
  code: ErrorCode;
  message: string;
}

/**
 * Fastify's router errors (its `frameworkErrors` option), in the contract's
 * body: Fastify's own would echo the path back.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const answer = describeRouterError(error);
  reply
    .code(answer.status)
    .header('X-Request-Id', request.id)
    .header('Cache-Control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(errorBody(answer.code, answer.message, { status: answer.status }));
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (its
 * `clientErrorHandler` option): headers or a request line over the limit,
 * malformed HTTP. Written to the socket as Node does, then closed.
 */
export function clientErrorHandler(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, message } = describeClientError(error);
  const body = JSON.stringify(errorBody(code, message, { status }));
  if (socket.writable && socket.bytesWritten === 0) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** The error for a URL over MAX_URL_LENGTH (an onRequest hook throws it). */
export function urlTooLong(): AppError {
  return new AppError('REQUEST_TOO_LARGE', `The URL is longer than this server accepts (${MAX_URL_LENGTH} bytes)`);
}

function describeRouterError(error: FastifyError): HttpLayerError {
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, code: 'REQUEST_TOO_LARGE', message: 'A path parameter is longer than this server accepts' };
    case 'FST_ERR_BAD_URL':
      return { status: 400, code: 'VALIDATION_FAILED', message: 'The URL is not valid percent-encoded UTF-8' };
    default:
      return { status: 500, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' };
  }
}

function describeClientError(error: ClientError): HttpLayerError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return requestLineOverflowed(error.rawPacket)
      ? { status: 414, code: 'REQUEST_TOO_LARGE', message: 'The URL is longer than this server accepts' }
      : { status: 431, code: 'REQUEST_TOO_LARGE', message: 'The request headers are larger than this server accepts' };
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, code: 'VALIDATION_FAILED', message: 'The request was not received in time' };
  }
  return { status: 400, code: 'VALIDATION_FAILED', message: 'The request is not valid HTTP' };
}

/**
 * Whether the overflow happened in the request line: the data the parser gave
 * up on starts with it and holds no line end within MAX_URL_LENGTH. (When the
 * request arrived in many small packets this cannot be told: 431.)
 */
function requestLineOverflowed(rawPacket: unknown): boolean {
  const head = Buffer.isBuffer(rawPacket) ? rawPacket.subarray(0, MAX_URL_LENGTH + 64).toString('latin1') : '';
  if (!/^[A-Z]+ \//.test(head)) return false;
  const lineEnd = head.indexOf('\r\n');
  return lineEnd === -1 || lineEnd > MAX_URL_LENGTH;
}
