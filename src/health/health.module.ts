import { Module } from '@nestjs/common';
import { ConditionalModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { readMetricsConfig } from '../metrics/metrics.config';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsListener } from './metrics-listener';
import { Readiness } from './readiness';

/** The probes an orchestrator asks: `/health/live`, `/health/ready`. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [Readiness],
})
export class HealthModule {}

/** `GET /metrics` on the service's port: with METRICS_ENABLED (the default) and no METRICS_PORT. */
@Module({ controllers: [MetricsController] })
class MetricsEndpointModule {}

/** `GET /metrics` alone on METRICS_PORT. */
@Module({ providers: [MetricsListener] })
class MetricsListenerModule {}

/** Where `/metrics` is served, if the configuration asks for it (for AppModule, once its ConfigModule loads the environment). */
export function metricsEndpoint() {
  const served = (env: NodeJS.ProcessEnv) => readMetricsConfig(env).metrics;
  return [
    ConditionalModule.registerWhen(MetricsEndpointModule, (env) => served(env).enabled && served(env).port === undefined),
    ConditionalModule.registerWhen(MetricsListenerModule, (env) => served(env).enabled && served(env).port !== undefined),
  ];
}
