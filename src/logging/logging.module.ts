import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { ServerConfig, serverConfig } from '../config/server.config';

export const REQUEST_ID_HEADER = 'X-Request-Id';

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

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Fastify's request id: the caller's X-Request-Id when it is a plain token, else a new one. */
export function requestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Structured JSON logs (pino): one line per request with its id, and the id on every line logged during it. */
@Module({})
export class LoggingModule {
  static forRoot(destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [serverConfig.KEY],
          useFactory: (server: ServerConfig) => ({
          pinoHttp: [
            {
              level: server.logLevel,
              redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
              serializers: {
                // The path only: a query string is the client's and may carry anything.
                req: (request: { id: string; method: string; url: string; remoteAddress?: string }) => ({
                  id: request.id,
                  method: request.method,
                  path: request.url?.split('?')[0],
                  remoteAddress: request.remoteAddress,
                }),
                res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
              },
              customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error) =>
                error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
              autoLogging: { ignore: (request: IncomingMessage) => request.url?.startsWith('/health/') ?? false },
            },
            destination as DestinationStream,
          ],
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          }),
        }),
      ],
    };
  }
}
