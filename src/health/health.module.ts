import { Module } from '@nestjs/common';
import { ConditionalModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { readMetricsConfig } from '../metrics/metrics.config';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

/** The probes an orchestrator asks: `/health/live`, `/health/ready`. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
})
export class HealthModule {}

/** `GET /metrics`, served only with METRICS_ENABLED (the default). */
@Module({ controllers: [MetricsController] })
class MetricsEndpointModule {}

/** The endpoint, when the configuration asks for it (for AppModule, once its ConfigModule loads the environment). */
export function metricsEndpoint() {
  return ConditionalModule.registerWhen(MetricsEndpointModule, (env) => readMetricsConfig(env).metrics.enabled);
}
