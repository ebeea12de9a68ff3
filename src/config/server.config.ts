import { registerAs } from '@nestjs/config';
import { IsIn, IsPort } from 'class-validator';
import { Env, flag, IsBooleanText, IsDuration, isProduction, readEnvironment, seconds } from './environment';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

class ServerEnvironment {
  @IsPort({ message: 'must be a port number' })
  PORT?: string;

  HOST?: string;

  @IsBooleanText()
  TRUST_PROXY?: string;

  CORS_ORIGINS?: string;

  @IsBooleanText()
  SWAGGER_ENABLED?: string;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: string;

  @IsDuration()
  SHUTDOWN_GRACE?: string;

  @IsDuration(1)
  REQUEST_TIMEOUT?: string;
}

/** The HTTP server: where it listens, whom it trusts, what it logs, how it stops. */
export function readServerConfig(env: Env) {
  const vars = readEnvironment(ServerEnvironment, env);
  const production = isProduction(env);
  return {
    nodeEnv: env.NODE_ENV?.trim() || 'development',
    isProduction: production,
    port: Number(vars.PORT ?? 3000),
    host: vars.HOST ?? '0.0.0.0',
    trustProxy: flag(vars.TRUST_PROXY, false),
    corsOrigins: (vars.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    swaggerEnabled: flag(vars.SWAGGER_ENABLED, !production),
    logLevel: vars.LOG_LEVEL ?? 'info',
    /** On SIGTERM, how long in-flight requests may take before the process exits anyway (SHUTDOWN_GRACE). */
    shutdownGraceSeconds: seconds(vars.SHUTDOWN_GRACE, '10s'),
    /** A request whose headers and body have not all arrived by then is answered 408 and its connection closed (REQUEST_TIMEOUT). */
    requestTimeoutSeconds: seconds(vars.REQUEST_TIMEOUT, '30s'),
  };
}

export type ServerConfig = ReturnType<typeof readServerConfig>;

export const serverConfig = registerAs('server', () => readServerConfig(process.env));
