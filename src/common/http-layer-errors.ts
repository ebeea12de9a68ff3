import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from './error-body';
import { AppError, ErrorCode } from './error-code';

/** Longer URLs are refused with 414 (Node's parser refuses a request line past its 16 KiB header limit anyway). */
export const MAX_URL_LENGTH = 8 * 1024;

/**
 * After answering a request the parser refused, how long the connection keeps
 * reading (and discarding) what the client still sends before it is closed:
 * closing a socket with unread data sends a reset, which a client still
 * writing would get instead of the answer.
 */
const LINGER_MS = 2000;

const ANSWERED = Symbol('answered');

type ClientSocket = Socket & { [ANSWERED]?: true; _httpMessage?: { headersSent?: boolean } | null };

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
 * malformed HTTP, and requests not fully received within REQUEST_TIMEOUT.
 * The answer is written whenever no response has started on the socket (a
 * kept-alive connection that answered earlier requests included), then the
 * connection is closed lingeringly.
 */
export function clientErrorHandler(error: ClientError, socket: Socket): void {
  const client = socket as ClientSocket;
  // The parser fails again on every chunk the client still sends: it was answered the first time.
  if (error.code === 'ECONNRESET' || socket.destroyed || client[ANSWERED]) return;
  client[ANSWERED] = true;
  // Writing now would corrupt a response already on its way.
  if (!socket.writable || client._httpMessage?.headersSent) return void socket.destroy();
  const { status, code, message } = describeClientError(error);
  const body = JSON.stringify(errorBody(code, message, { status }));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
  closeLingeringly(socket);
}

/** Keeps reading and discarding what the client still sends, for at most LINGER_MS, then closes. */
function closeLingeringly(socket: Socket): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
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
    return { status: 408, code: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time (REQUEST_TIMEOUT)' };
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
