import { createServer } from 'node:net';

/** A port on 127.0.0.1 that nothing listens on right now (also what "unreachable" means in fault tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}
