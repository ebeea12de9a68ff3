import { registerAs } from '@nestjs/config';
import { IsPort } from 'class-validator';
import { ConfigError, Env, flag, IsBooleanText, isProduction, readEnvironment } from '../config/environment';

class MetricsEnvironment {
  @IsBooleanText()
  METRICS_ENABLED?: string;

  METRICS_TOKEN?: string;

  @IsPort({ message: 'must be a port number' })
  METRICS_PORT?: string;
}

export function readMetricsConfig(env: Env) {
  const vars = readEnvironment(MetricsEnvironment, env);
  const enabled = flag(vars.METRICS_ENABLED, true);
  // Counts of mails and logins would tell known accounts from unknown ones to anyone who can scrape them.
  if (isProduction(env) && enabled && !vars.METRICS_TOKEN) {
    throw new ConfigError('METRICS_TOKEN is required when NODE_ENV=production and METRICS_ENABLED=true (or set METRICS_ENABLED=false)');
  }
  const port = vars.METRICS_PORT === undefined ? undefined : Number(vars.METRICS_PORT);
  if (port !== undefined && port === Number(env.PORT?.trim() || 3000)) {
    throw new ConfigError(`METRICS_PORT=${port} is the service's PORT; give /metrics a port of its own, or leave METRICS_PORT unset`);
  }
  /** `/metrics`, with a bearer token when `token` is set; on a listener of its own when `port` is set (METRICS_PORT). */
  return { metrics: { enabled, token: vars.METRICS_TOKEN, port } };
}

export type MetricsConfig = ReturnType<typeof readMetricsConfig>;

export const metricsConfig = registerAs('metrics', () => readMetricsConfig(process.env));
