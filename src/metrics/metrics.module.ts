import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics.service';

/** Metrics are always counted, by every module that injects `Metrics`; health/ serves them. */
@Global()
@Module({
  providers: [Metrics],
  exports: [Metrics],
})
export class MetricsModule {}
