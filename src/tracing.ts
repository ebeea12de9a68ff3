import type { IncomingMessage } from 'node:http';
import type { FastifyInstrumentation as FastifyInstrumentationClass } from '@opentelemetry/instrumentation-fastify';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { SERVICE_VERSION } from './metrics/service-version';

/** How long the exit waits for the last spans: a collector that is down must not hold a stopping process. */
const FLUSH_TIMEOUT_MS = 5000;

let sdk: NodeSDK | undefined;
let stopped: Promise<void> | undefined;

/**
 * OpenTelemetry tracing, on only when an OTLP endpoint is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT, or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): spans
 * of the incoming requests (W3C `traceparent` honoured, the SDK's default
 * propagator), of Fastify's hooks and handlers, of PostgreSQL queries and of
 * Redis commands. The SDK reads the other standard variables itself
 * (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_PROTOCOL, _HEADERS, OTEL_TRACES_SAMPLER...).
 *
 * Call it before Fastify, pg and ioredis are first required: the
 * instrumentations patch them as they load. Without an endpoint the SDK is
 * not even loaded.
 */
export function startTracing(): void {
  if (sdk || !(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) return;
  /* eslint-disable @typescript-eslint/no-require-imports -- required here, not imported: without an endpoint none of it is loaded */
  const { NodeSDK, resources } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { FastifyInstrumentation } = require('@opentelemetry/instrumentation-fastify') as typeof import('@opentelemetry/instrumentation-fastify');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  /* eslint-enable @typescript-eslint/no-require-imports */
  sdk = new NodeSDK({
    // Defaults under what the SDK detects: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over them.
    resource: resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': 'auth-service', 'service.version': SERVICE_VERSION })),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => isProbeOrScrape(request),
        // The path only, as in the logs: a query string may carry a reset or verification token, or a provider's code.
        startIncomingSpanHook: () => ({ 'url.query': undefined }),
      }),
      new (keepingFastifyExports(FastifyInstrumentation))(),
      // Queries outside a request (the mail outbox polled twice a second, the invalidation sweep) would each make a trace
      // of their own; parameter values (token hashes, addresses) are never recorded.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
    // Traces only: the metrics are Prometheus's (/metrics), the logs go to standard output.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
}

/**
 * The Fastify instrumentation (deprecated in favour of @fastify/otel) hands out
 * a wrapper of `fastify()` carrying only `fastify`, `default` and `errorCodes`:
 * Fastify's other exports, such as the `LogController` of the request log lines
 * (logging/root-logger.ts), would be undefined. This one copies them over.
 */
function keepingFastifyExports(Instrumentation: typeof FastifyInstrumentationClass): typeof FastifyInstrumentationClass {
  return class extends Instrumentation {
    override init() {
      return super.init().map((definition) => {
        const patch = definition.patch!;
        definition.patch = (original: Record<string, unknown>, version?: string) => {
          const patched = patch(original, version) as Record<string, unknown>;
          for (const [name, value] of Object.entries(original)) if (!(name in patched)) patched[name] = value;
          return patched;
        };
        return definition;
      });
    }
  };
}

/**
 * Health probes and metric scrapes come every few seconds from every
 * orchestrator and scraper: traced, they would be most of the spans and tell
 * nothing (their outcome is in /metrics and the probe's own history). An
 * ignored request is traced not at all, its queries and Redis commands included.
 */
function isProbeOrScrape(request: IncomingMessage): boolean {
  const path = (request.url ?? '').split('?')[0];
  return path.startsWith('/health/') || path === '/metrics';
}

/**
 * Sends the spans still buffered and stops tracing; the last step of every
 * exit. Never rejects, and waits at most FLUSH_TIMEOUT_MS. Does nothing when
 * tracing is off.
 */
export function shutdownTracing(): Promise<void> {
  if (!sdk) return Promise.resolve();
  const running = sdk;
  stopped ??= new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
    running
      .shutdown()
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        resolve();
      });
  });
  return stopped;
}
