import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { freePort } from './support/free-port';
import { ServiceProcess, serviceEnv, sharedKeysDir } from './support/service-process';
import { TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { registerUser, TEST_PASSWORD, TestUser } from './support/users';

/** Needs a PostgreSQL server for the process and a Redis to put a proxy in front of (CI sets both). */
const withRedis = process.env.TEST_DATABASE_URL && process.env.REDIS_URL ? describe : describe.skip;
const LOGIN_DEADLINE_MS = 3000;

function login(service: ServiceProcess, user: TestUser): Promise<Response> {
  return fetch(`${service.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-token-transport': 'body' },
    body: JSON.stringify({ email: user.email, password: TEST_PASSWORD }),
    signal: AbortSignal.timeout(LOGIN_DEADLINE_MS),
  });
}

/** The value of a metric line of /metrics, e.g. `auth_rate_limit_store{store="memory"}`. */
async function metric(service: ServiceProcess, series: string): Promise<number | undefined> {
  const text = (await service.client().get('/metrics')).body as string;
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function eventually(check: () => Promise<boolean>, withinMs: number, what: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${withinMs} ms`);
}

withRedis('Redis faults, behind a TCP proxy', () => {
  let database: TestDatabase;
  let keys: ReturnType<typeof sharedKeysDir>;
  let proxy: TcpProxy;
  let service: ServiceProcess;
  let redis: Redis;
  let user: TestUser;
  const prefix = `fault-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    database = await createTestDatabase();
    keys = sharedKeysDir();
    const redisUrl = new URL(process.env.REDIS_URL!);
    proxy = await TcpProxy.start(Number(redisUrl.port || 6379));
    redis = new Redis(process.env.REDIS_URL!);
    service = await ServiceProcess.start(
      serviceEnv(database.databaseUrl!, keys.dir, {
        REDIS_URL: proxy.url(process.env.REDIS_URL!),
        REDIS_KEY_PREFIX: prefix,
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_LOGIN: '1000/1m',
        RATE_LIMIT_AUTH: '1000/1m',
      }),
      await freePort(),
    );
    await service.waitUntilReady();
    user = await registerUser(service);
  });
  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    const stale = await redis.keys(`${prefix}*`);
    if (stale.length > 0) await redis.del(...stale);
    redis?.disconnect();
    await database?.drop();
    keys?.remove();
  });

  it('counts rate limits in Redis while it answers', async () => {
    expect((await login(service, user)).status).toBe(200);
    expect((await redis.keys(`${prefix}*`)).length).toBeGreaterThan(0);
    expect(await metric(service, 'auth_rate_limit_store{store="redis"}')).toBe(1);
  });

  describe('when Redis is cut off', () => {
    beforeAll(() => proxy.cut());
    afterAll(() => proxy.restore());

    it('keeps logins working, counted in process', async () => {
      for (let i = 0; i < 5; i++) expect((await login(service, user)).status).toBe(200);
      expect(await metric(service, 'auth_rate_limit_store{store="memory"}')).toBe(1);
      expect(await metric(service, 'auth_rate_limit_store{store="redis"}')).toBe(0);
    });

    it('stays ready, reporting Redis down', async () => {
      const ready = await service.client().get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details).toMatchObject({ database: { status: 'up' }, redis: { status: 'down' } });
    });

    it('says so in the log once', () => {
      expect(service.stdout.match(/Redis unreachable/g)).toHaveLength(1);
    });
  });

  it('counts in Redis again once it is back', async () => {
    await eventually(async () => (await metric(service, 'auth_rate_limit_store{store="redis"}')) === 1, 10_000, 'back on Redis');
    const before = (await redis.keys(`${prefix}*`)).length;
    await redis.del(...(await redis.keys(`${prefix}*`)));
    expect((await login(service, user)).status).toBe(200);
    expect((await redis.keys(`${prefix}*`)).length).toBeGreaterThan(0);
    expect(before).toBeGreaterThan(0);
    expect((await service.client().get('/health/ready')).body.details.redis.status).toBe('up');
  });

  it('answers logins quickly when Redis stops answering without closing the connection', async () => {
    proxy.blackhole();
    try {
      for (let i = 0; i < 3; i++) expect((await login(service, user)).status).toBe(200);
    } finally {
      proxy.cut();
      proxy.restore();
    }
    await eventually(async () => (await metric(service, 'auth_rate_limit_store{store="redis"}')) === 1, 10_000, 'back on Redis');
  });
});
