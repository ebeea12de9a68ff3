import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, CounterConfiguration, Gauge, Histogram, Registry } from 'prom-client';
import { SERVICE_VERSION } from './service-version';

export type CacheLookup = 'hit' | 'miss' | 'bypass';

/**
 * The service's Prometheus metrics, in a registry of this application's own
 * (two applications in one process, as in tests, keep theirs apart). Counters
 * are incremented where things happen; gauges are read at scrape time from
 * whoever knows the value, which registers them with `gauge()`.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly httpChildren = new Map<string, ReturnType<Histogram['labels']>>();

  readonly logins = this.counter({ name: 'auth_logins_total', help: 'Login attempts, by outcome', labelNames: ['outcome'] as const });
  readonly refreshes = this.counter({
    name: 'auth_refreshes_total',
    help: 'Refreshes: rotated, answered in the grace window, refused as reused (the session is ended), or refused because the session had ended',
    labelNames: ['outcome'] as const,
  });
  readonly sessionsRevoked = this.counter({ name: 'auth_sessions_revoked_total', help: 'Sessions ended, by reason', labelNames: ['reason'] as const });
  readonly mails = this.counter({
    name: 'auth_mails_total',
    help: 'Mail delivery attempts, by kind and outcome: sent, retried (this attempt failed, another follows) or failed (given up)',
    labelNames: ['kind', 'outcome'] as const,
  });
  /** Lookups counted in plain numbers on the hot path, added to the counter when it is scraped. */
  private readonly pendingLookups = new Map<string, Record<CacheLookup, number>>();
  private readonly cacheRequests = this.counter({
    name: 'auth_cache_requests_total',
    help: 'Cache lookups: hit, miss, or bypass (while invalidations cannot be trusted)',
    labelNames: ['cache', 'result'] as const,
    collect: () => this.flushLookups(),
  });

  /** Which build each instance runs, to tell a half-finished rollout apart: always 1. */
  private readonly buildInfo = new Gauge({
    name: 'auth_build_info',
    help: 'The version of the service and the Node.js it runs on (always 1)',
    labelNames: ['version', 'node'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version: SERVICE_VERSION, node: process.version }, 1);
  }

  /** Counts one cache's lookups (`auth_cache_requests_total`): a plain increment per lookup, every request asks. */
  cacheLookups(cache: string): (result: CacheLookup) => void {
    const counts = { hit: 0, miss: 0, bypass: 0 };
    this.pendingLookups.set(cache, counts);
    for (const result of ['hit', 'miss', 'bypass'] as const) this.cacheRequests.inc({ cache, result }, 0);
    return (result) => counts[result]++;
  }

  private flushLookups(): void {
    for (const [cache, counts] of this.pendingLookups) {
      for (const result of ['hit', 'miss', 'bypass'] as const) {
        if (counts[result] > 0) this.cacheRequests.inc({ cache, result }, counts[result]);
        counts[result] = 0;
      }
    }
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let child = this.httpChildren.get(key);
    if (!child) {
      child = this.httpDuration.labels({ method, route, status: String(status) });
      this.httpChildren.set(key, child);
    }
    child.observe(seconds);
  }

  /** A gauge whose values `read` returns at scrape time: one number, or one per value of its single label. */
  gauge(name: string, help: string, read: () => number): void;
  gauge<L extends string>(name: string, help: string, read: () => Record<string, number>, labelName: L): void;
  gauge(name: string, help: string, read: () => number | Record<string, number>, labelName?: string): void {
    new Gauge({
      name,
      help,
      labelNames: labelName ? [labelName] : [],
      registers: [this.registry],
      collect() {
        const value = read();
        if (typeof value === 'number') return this.set(value);
        for (const [label, count] of Object.entries(value)) this.set({ [labelName!]: label }, count);
      },
    });
  }

  private counter<L extends string>(configuration: CounterConfiguration<L>): Counter<L> {
    return new Counter({ ...configuration, registers: [this.registry] });
  }
}
