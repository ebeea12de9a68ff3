import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { AddressInfo, Server as NetServer } from 'node:net';

const IDLE_SWEEP_MS = 250;
const BACKLOG_POLL_MS = 20;
const BACKLOG_WAIT_MAX_MS = 2000;
const DRAINING = Symbol('draining');

type Drainable = FastifyInstance & { [DRAINING]?: boolean };

/** While the server drains, every response closes its connection, so keep-alive clients reconnect elsewhere. */
export function closeConnectionsWhileDraining(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (_request, reply) => {
    if ((fastify as Drainable)[DRAINING]) reply.header('Connection', 'close');
  });
}

/**
 * Stops accepting connections and resolves once every request in flight has
 * been answered and every connection is closed. Two things differ from
 * Node's own `server.close()`, which would reset requests the clients had
 * already sent: connections the kernel accepted before the signal but the
 * process has not taken yet (a busy process falls behind) are taken first,
 * since closing the listening socket resets them; and connections between
 * requests are closed by a periodic sweep rather than at once.
 */
export async function drainHttpServer(fastify: FastifyInstance, server: Server): Promise<void> {
  (fastify as Drainable)[DRAINING] = true;
  await acceptWaitingConnections(server);
  await new Promise<void>((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    NetServer.prototype.close.call(server, () => {
      clearInterval(sweep);
      resolve();
    });
  });
}

async function acceptWaitingConnections(server: Server): Promise<void> {
  const { port } = server.address() as AddressInfo;
  const deadline = Date.now() + BACKLOG_WAIT_MAX_MS;
  do {
    await new Promise((resolve) => setTimeout(resolve, BACKLOG_POLL_MS));
  } while (acceptQueueLength(port) > 0 && Date.now() < deadline);
}

/**
 * Connections waiting in the accept queue of the listening socket on `port`
 * (Linux reports it as the rx_queue of a LISTEN socket); 0 where it cannot be read.
 */
function acceptQueueLength(port: number): number {
  const localPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let waiting = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const [, local, , state, queues] = line.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(localPort)) waiting += parseInt(queues.split(':')[1], 16);
    }
  }
  return waiting;
}
