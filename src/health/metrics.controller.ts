import { Controller, Get, Header, Headers, Inject, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../common/decorators/public.decorator';
import { AppError } from '../common/error-code';
import { MetricsConfig, metricsConfig } from '../metrics/metrics.config';
import { Metrics } from '../metrics/metrics.service';

/** Prometheus scrapes `/metrics`; with METRICS_TOKEN set, only with `Authorization: Bearer <METRICS_TOKEN>`. */
@ApiTags('operations')
@Public()
@SkipThrottle()
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
export class MetricsController {
  private readonly tokenDigest?: Buffer;

  constructor(
    private readonly metrics: Metrics,
    @Inject(metricsConfig.KEY) config: MetricsConfig,
  ) {
    if (config.metrics.token) this.tokenDigest = digest(config.metrics.token);
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth('metrics-token')
  @ApiOperation({ summary: 'Prometheus metrics (text format); needs METRICS_TOKEN as a Bearer token when one is set' })
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': {} } })
  async scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    this.assertAllowed(authorization);
    return this.metrics.registry.metrics();
  }

  private assertAllowed(authorization: string | undefined): void {
    if (!this.tokenDigest) return;
    if (!authorization) throw new AppError('TOKEN_MISSING', 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>');
    const presented = /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
    if (!presented || !timingSafeEqual(digest(presented), this.tokenDigest)) {
      throw new AppError('TOKEN_INVALID', 'The metrics token is not valid');
    }
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
