import { Global, Module } from '@nestjs/common';
import { ConditionalModule } from '@nestjs/config';
import { MetricsController } from './metrics.controller';
import { readMetricsConfig } from './metrics.config';
import { Metrics } from './metrics.service';

/** Metrics are always counted, by every module that injects `Metrics`. */
@Global()
@Module({
  providers: [Metrics],
  exports: [Metrics],
})
export class MetricsModule {}

/** `GET /metrics`, served only with METRICS_ENABLED (the default). */
@Module({ controllers: [MetricsController] })
class MetricsEndpointModule {}

/** The endpoint, when the configuration asks for it (for AppModule, once its ConfigModule loads the environment). */
export function metricsEndpoint() {
  return ConditionalModule.registerWhen(MetricsEndpointModule, (env) => readMetricsConfig(env).metrics.enabled);
}
