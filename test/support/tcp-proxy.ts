import { createServer, Server, Socket, connect } from 'node:net';

/** What the proxy does with connections: pass them on, close them at once, or hold them without a byte. */
export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

/**
 * A TCP proxy on 127.0.0.1 in front of a server of this machine (PostgreSQL,
 * Redis), for fault tests: `cut()` drops every connection and refuses new
 * ones, `blackhole()` lets them hang, `restore()` forwards again. It counts
 * the connections it is asked for.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket | undefined]>();
  private mode: ProxyMode = 'forward';
  /** Connections accepted since the proxy started (or since `resetAttempts()`). */
  attempts = 0;

  private constructor(
    private readonly targetPort: number,
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = createServer((client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(targetPort, (server.address() as { port: number }).port, server);
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Drops every open connection and closes new ones as soon as they arrive. */
  cut(): void {
    this.mode = 'refuse';
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    this.pairs.clear();
  }

  /** Open connections stop carrying data, new ones are accepted and never answered. */
  blackhole(): void {
    this.mode = 'blackhole';
    for (const [client, upstream] of this.pairs) {
      client.pause();
      upstream?.pause();
      client.unpipe();
      upstream?.unpipe();
    }
  }

  restore(): void {
    this.mode = 'forward';
  }

  resetAttempts(): void {
    this.attempts = 0;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.attempts++;
    client.on('error', () => undefined);
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    const pair: [Socket, Socket | undefined] = [client, undefined];
    this.pairs.add(pair);
    client.on('close', () => {
      pair[1]?.destroy();
      this.pairs.delete(pair);
    });
    if (this.mode === 'blackhole') return;
    const upstream = connect(this.targetPort, '127.0.0.1');
    pair[1] = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
