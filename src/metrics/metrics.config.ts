import { registerAs } from '@nestjs/config';
import { ConfigError, Env, flag, IsBooleanText, isProduction, readEnvironment } from '../config/environment';

class MetricsEnvironment {
  @IsBooleanText()
  METRICS_ENABLED?: string;

  METRICS_TOKEN?: string;
}

export function readMetricsConfig(env: Env) {
  const vars = readEnvironment(MetricsEnvironment, env);
  const enabled = flag(vars.METRICS_ENABLED, true);
  // Counts of mails and logins would tell known accounts from unknown ones to anyone who can scrape them.
  if (isProduction(env) && enabled && !vars.METRICS_TOKEN) {
    throw new ConfigError('METRICS_TOKEN is required when NODE_ENV=production and METRICS_ENABLED=true (or set METRICS_ENABLED=false)');
  }
  /** `/metrics`, with a bearer token when `token` is set. */
  return { metrics: { enabled, token: vars.METRICS_TOKEN } };
}

export type MetricsConfig = ReturnType<typeof readMetricsConfig>;

export const metricsConfig = registerAs('metrics', () => readMetricsConfig(process.env));
