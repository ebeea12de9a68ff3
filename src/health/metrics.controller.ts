import { Controller, Get, Header, Headers, Inject, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../common/decorators/public.decorator';
import { MetricsConfig, metricsConfig } from '../metrics/metrics.config';
import { Metrics } from '../metrics/metrics.service';
import { MetricsAccess } from './metrics-access';

/** Prometheus scrapes `/metrics`; with METRICS_TOKEN set, only with `Authorization: Bearer <METRICS_TOKEN>`. */
@ApiTags('operations')
@Public()
@SkipThrottle()
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
export class MetricsController {
  private readonly access: MetricsAccess;

  constructor(
    private readonly metrics: Metrics,
    @Inject(metricsConfig.KEY) config: MetricsConfig,
  ) {
    this.access = new MetricsAccess(config.metrics.token);
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth('metrics-token')
  @ApiOperation({ summary: 'Prometheus metrics (text format); needs METRICS_TOKEN as a Bearer token when one is set' })
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': {} } })
  async scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    this.access.assertAllowed(authorization);
    return this.metrics.registry.metrics();
  }
}
