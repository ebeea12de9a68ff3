import { registerAs } from '@nestjs/config';
import { Env, flag, IsBooleanText, readEnvironment } from '../config/environment';

class MetricsEnvironment {
  @IsBooleanText()
  METRICS_ENABLED?: string;

  METRICS_TOKEN?: string;
}

export function readMetricsConfig(env: Env) {
  const vars = readEnvironment(MetricsEnvironment, env);
  /** `/metrics`, with a bearer token when `token` is set. */
  return { metrics: { enabled: flag(vars.METRICS_ENABLED, true), token: vars.METRICS_TOKEN } };
}

export type MetricsConfig = ReturnType<typeof readMetricsConfig>;

export const metricsConfig = registerAs('metrics', () => readMetricsConfig(process.env));
