import {
  ArgumentsHost,
  BadRequestException,
  ConflictException,
  GoneException,
  HttpException,
  InternalServerErrorException,
  Logger,
  NotFoundException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import type { DatabaseConnectivity } from '../database/connectivity/database-connectivity.service';
import { TransactionConflictError } from '../database/transactions';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { AppError } from './error-code';

interface Sent {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** The filter with a fake reply; `route` is the matched route pattern (null: no route matched). */
function setup({ databaseAvailable = true } = {}) {
  const filter = new AllExceptionsFilter({ available: databaseAvailable } as DatabaseConnectivity);
  return (exception: unknown, route: string | null = '/api/v1/notes'): Sent => {
    const sent: Sent = { status: 0, headers: {}, body: {} };
    const reply = {
      status: (status: number) => ((sent.status = status), reply),
      header: (name: string, value: string) => ((sent.headers[name] = value), reply),
      send: (body: Record<string, unknown>) => ((sent.body = body), reply),
    };
    const request = { routeOptions: { url: route ?? undefined } };
    const host = { switchToHttp: () => ({ getResponse: () => reply, getRequest: () => request }) } as unknown as ArgumentsHost;
    filter.catch(exception, host);
    return sent;
  };
}

describe('AllExceptionsFilter', () => {
  let logError: jest.SpyInstance;
  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  describe('an HttpException keeps its status', () => {
    it.each([
      ['ConflictException', 409, 'CONFLICT', new ConflictException('This note exists already'), 'Conflict'],
      ['UnprocessableEntityException', 422, 'UNPROCESSABLE_ENTITY', new UnprocessableEntityException('The note cannot be pinned'), 'Unprocessable Entity'],
      ['GoneException', 410, 'GONE', new GoneException('The note was archived'), 'Gone'],
      ['HttpException(402)', 402, 'PAYMENT_REQUIRED', new HttpException('Pay first', 402), 'Payment Required'],
    ])('%s answers %i %s', (_name, status, code, exception, error) => {
      const sent = setup()(exception);
      expect(sent.status).toBe(status);
      expect(sent.body).toEqual({ statusCode: status, error, code, message: exception.message });
    });

    it('answers with the code its response names', () => {
      const sent = setup()(new ConflictException({ code: 'NOTE_EXISTS', message: 'You already have a note with this text' }));
      expect(sent.status).toBe(409);
      expect(sent.body).toEqual({ statusCode: 409, error: 'Conflict', code: 'NOTE_EXISTS', message: 'You already have a note with this text' });
    });

    it('never takes the code from the message', () => {
      expect(setup()(new ConflictException('TOKEN_EXPIRED')).body).toMatchObject({ code: 'CONFLICT', message: 'TOKEN_EXPIRED' });
    });

    it('joins a list of messages', () => {
      expect(setup()(new UnprocessableEntityException(['text is too long', 'tag is unknown'])).body.message).toBe('text is too long; tag is unknown');
    });

    it('answers a bare 400 (a Nest pipe) with VALIDATION_FAILED and its message', () => {
      const sent = setup()(new BadRequestException('Validation failed (uuid is expected)'));
      expect(sent.body).toEqual({ statusCode: 400, error: 'Bad Request', code: 'VALIDATION_FAILED', message: 'Validation failed (uuid is expected)' });
    });

    it('answers a bare 401 (Passport found no token) with TOKEN_MISSING and WWW-Authenticate: Bearer', () => {
      const sent = setup()(new UnauthorizedException());
      expect(sent.status).toBe(401);
      expect(sent.body.code).toBe('TOKEN_MISSING');
      expect(sent.headers['WWW-Authenticate']).toBe('Bearer');
    });

    it('keeps the message of a 404 thrown by a route, but never repeats an unmatched path', () => {
      expect(setup()(new NotFoundException('No such note')).body).toMatchObject({ code: 'NOT_FOUND', message: 'No such note' });
      const unmatched = setup()(new NotFoundException('Cannot GET /api/v1/secret-token-123'), null);
      expect(unmatched.body).toEqual({ statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: 'Not found' });
    });

    it('answers a 500 with INTERNAL_ERROR and a fixed text, the details only in the log', () => {
      const sent = setup()(new InternalServerErrorException('connection string postgres://user:secret@db'));
      expect(sent.body).toEqual({ statusCode: 500, error: 'Internal Server Error', code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' });
      expect(logError).toHaveBeenCalledWith(expect.stringContaining('postgres://user:secret@db'));
    });
  });

  it('answers an AppError with its code and the status the contract gives it', () => {
    const sent = setup()(new AppError('EMAIL_TAKEN', 'An account with this email already exists'));
    expect(sent.status).toBe(409);
    expect(sent.body).toEqual({ statusCode: 409, error: 'Conflict', code: 'EMAIL_TAKEN', message: 'An account with this email already exists' });
  });

  describe('errors of the HTTP layer', () => {
    it('answers a Fastify error, as Nest hands it on, with the contract code and a fixed text', () => {
      expect(setup()(new HttpException('Request body is too large', 413)).body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        code: 'PAYLOAD_TOO_LARGE',
        message: 'The request body is larger than 16 KiB',
      });
      expect(setup()(new HttpException('Unsupported Media Type: text/plain', 415)).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });

    it('answers an error with a statusCode (a Fastify plugin) with the contract code for it', () => {
      const forbidden = Object.assign(new Error('Forbidden'), { statusCode: 403 });
      expect(setup()(forbidden).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      const badJson = Object.assign(new Error('Body is not valid JSON'), { statusCode: 400 });
      expect(setup()(badJson).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'Body is not valid JSON' });
    });
  });

  it('answers any other error with 500 INTERNAL_ERROR, and 503 while the database is down', () => {
    expect(setup()(new TypeError('x is undefined')).body).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
    expect(setup({ databaseAvailable: false })(new Error('write failed')).body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
  });

  it.each([
    ['a deadlock', '40P01'],
    ['a serialization failure', '40001'],
  ])('answers %s (PostgreSQL %s) 503 SERVICE_UNAVAILABLE with Retry-After, never 500, and logs no error', (_label, code) => {
    const conflict = new QueryFailedError('UPDATE users SET ...', [], Object.assign(new Error('deadlock detected'), { code }));
    for (const exception of [conflict, new TransactionConflictError(conflict)]) {
      const sent = setup()(exception);
      expect(sent).toMatchObject({ status: 503, headers: { 'Retry-After': '1' }, body: { statusCode: 503, code: 'SERVICE_UNAVAILABLE' } });
      expect(JSON.stringify(sent.body)).not.toMatch(/UPDATE|deadlock/);
    }
    expect(logError).not.toHaveBeenCalled();
  });
});
