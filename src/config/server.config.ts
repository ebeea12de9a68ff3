import { registerAs } from '@nestjs/config';
import { IsIn, IsPort } from 'class-validator';
import { isIP } from 'node:net';
import { ConfigError, Env, flag, IsBooleanText, IsDuration, isProduction, readEnvironment, seconds } from './environment';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

class ServerEnvironment {
  @IsPort({ message: 'must be a port number' })
  PORT?: string;

  HOST?: string;

  TRUST_PROXY?: string;

  CORS_ORIGINS?: string;

  @IsBooleanText()
  SWAGGER_ENABLED?: string;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: string;

  @IsDuration()
  SHUTDOWN_GRACE?: string;

  @IsDuration()
  SHUTDOWN_DELAY?: string;

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
    /** Fastify's `trustProxy`: false, a number of proxy hops, or the proxies' addresses (TRUST_PROXY). */
    trustProxy: trustedProxies(vars.TRUST_PROXY),
    corsOrigins: (vars.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    swaggerEnabled: flag(vars.SWAGGER_ENABLED, !production),
    logLevel: vars.LOG_LEVEL ?? 'info',
    /** On SIGTERM, how long in-flight requests may take before the process exits anyway (SHUTDOWN_GRACE). */
    shutdownGraceSeconds: seconds(vars.SHUTDOWN_GRACE, '10s'),
    /** On SIGTERM, how long `/health/ready` answers 503 while requests are still served, before the drain (SHUTDOWN_DELAY). */
    shutdownDelaySeconds: seconds(vars.SHUTDOWN_DELAY, '0s'),
    /** A request whose headers and body have not all arrived by then is answered 408 and its connection closed (REQUEST_TIMEOUT). */
    requestTimeoutSeconds: seconds(vars.REQUEST_TIMEOUT, '30s'),
  };
}

/** proxy-addr's names for whole address ranges, which Fastify accepts beside addresses and CIDRs. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Whose X-Forwarded-For entries are believed. `true` is refused: it would
 * take the leftmost entry, which any client can write, as the caller's IP
 * (and so choose its own rate-limit bucket). A number trusts that many hops
 * counted from the socket, so a client's prepended entries are never reached;
 * a list trusts only those addresses.
 */
function trustedProxies(value: string | undefined): false | number | string[] {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true') {
    throw new ConfigError(
      'TRUST_PROXY=true would trust a whole X-Forwarded-For chain, which a client can prepend to; set the number of proxies in front of the service (1 behind one ingress) or their addresses',
    );
  }
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const invalid = entries.find((entry) => !PROXY_RANGE_NAMES.has(entry) && !isAddressOrCidr(entry));
  if (invalid !== undefined || entries.length === 0) {
    throw new ConfigError(`TRUST_PROXY="${value}" must be false, a number of proxy hops, or a comma-separated list of proxy addresses or CIDRs`);
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export type ServerConfig = ReturnType<typeof readServerConfig>;

export const serverConfig = registerAs('server', () => readServerConfig(process.env));
