/**
 * The ceiling of the benchmark: the project's own Fastify, one route, nothing
 * else, on the same core the service gets. `PORT` says where it listens.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/health/live', async () => ({ status: 'ok' }));
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
