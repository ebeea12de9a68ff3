import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { AppError } from '../common/error-code';
import { errorBody } from '../common/error-body';
import { ServerConfig, serverConfig } from '../config/server.config';
import { MetricsConfig, metricsConfig } from '../metrics/metrics.config';
import { Metrics } from '../metrics/metrics.service';
import { MetricsAccess } from './metrics-access';

/**
 * `/metrics` alone on METRICS_PORT, for a scrape network the public never
 * reaches (the public port then has no `/metrics`). A plain Node server: it
 * serves one path, with the same token as the public endpoint would.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: Server;
  private readonly access: MetricsAccess;

  constructor(
    private readonly metrics: Metrics,
    @Inject(metricsConfig.KEY) private readonly config: MetricsConfig,
    @Inject(serverConfig.KEY) private readonly serverSettings: ServerConfig,
  ) {
    this.access = new MetricsAccess(config.metrics.token);
    this.server = createServer((request, response) => void this.answer(request, response));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server.listen(this.config.metrics.port, this.serverSettings.host);
    await once(this.server, 'listening');
    new Logger('Metrics').log(`/metrics on port ${this.config.metrics.port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return send(response, 404, errorBody('NOT_FOUND', 'Only GET /metrics is served on this port'));
    }
    try {
      this.access.assertAllowed(request.headers.authorization);
      response.writeHead(200, { 'content-type': this.metrics.registry.contentType, 'cache-control': 'no-store' });
      response.end(await this.metrics.registry.metrics());
    } catch (error) {
      if (error instanceof AppError) return send(response, error.status, errorBody(error.code, error.message));
      send(response, 500, errorBody('INTERNAL_ERROR', 'The metrics could not be collected'));
    }
  }
}

function send(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
