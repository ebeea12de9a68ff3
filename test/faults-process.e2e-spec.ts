import { freePort } from './support/free-port';
import { ServiceProcess, serviceEnv, sharedKeysDir } from './support/service-process';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { logIn, registerUser, TEST_PASSWORD, TestUser } from './support/users';

const onPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;
const REFRESH = '/api/v1/auth/refresh';

/** What became of one request: its status, or the socket error that took its place. */
async function outcome(request: Promise<Response>): Promise<number | string> {
  try {
    return (await request).status;
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
  }
}

function loginRequest(service: ServiceProcess, user: TestUser): Promise<Response> {
  return fetch(`${service.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-token-transport': 'body' },
    body: JSON.stringify({ email: user.email, password: TEST_PASSWORD }),
  });
}

function refreshRequest(url: string, refreshToken: string): Promise<Response> {
  return fetch(url + REFRESH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
}

onPostgres('the service as a process (PostgreSQL)', () => {
  let database: TestDatabase;
  let keys: ReturnType<typeof sharedKeysDir>;
  beforeAll(async () => {
    database = await createTestDatabase();
    keys = sharedKeysDir();
  });
  afterAll(async () => {
    await database?.drop();
    keys?.remove();
  });

  it('answers every request in flight on SIGTERM, refuses new connections, and exits 0', async () => {
    const service = await ServiceProcess.start(serviceEnv(database.databaseUrl!, keys.dir), await freePort());
    const user = await registerUser(service);
    const inFlight = Array.from({ length: 30 }, () => outcome(loginRequest(service, user)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    service.signal('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(answers).toEqual(answers.map(() => 200));
    const exit = await service.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await outcome(fetch(`${service.url}/health/live`))).toBe('ECONNREFUSED');
  });

  it('loses no session to kill -9 in the middle of many refresh chains: each is answered after a restart, within the grace window', async () => {
    const port = await freePort();
    const env = serviceEnv(database.databaseUrl!, keys.dir, { REFRESH_REUSE_GRACE: '60s' });
    const first = await ServiceProcess.start(env, port);
    const user = await registerUser(first);
    const chains = await Promise.all(Array.from({ length: 20 }, async () => (await logIn(first, 'body', user)).refreshToken!));

    // Each chain rotates as fast as it can; the token it sent last is the one whose answer may be lost.
    let killed = false;
    const lastSent = [...chains];
    const run = async (slot: number) => {
      while (!killed) {
        lastSent[slot] = chains[slot];
        const response = await refreshRequest(first.url, chains[slot]).catch(() => undefined);
        if (!response) return;
        const body = (await response.json().catch(() => undefined)) as { refreshToken: string } | undefined;
        if (response.status !== 200) throw new Error(`refresh answered ${response.status} ${JSON.stringify(body)}`);
        chains[slot] = body!.refreshToken;
      }
    };
    const running = chains.map((_, slot) => run(slot));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    killed = true;
    first.signal('SIGKILL');
    await Promise.all(running);
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = await ServiceProcess.start(env, port);
    try {
      await second.waitUntilReady();
      for (let slot = 0; slot < chains.length; slot++) {
        // Whether or not its rotation committed before the kill, the last token sent gets a working pair.
        const retried = await refreshRequest(second.url, lastSent[slot]);
        expect(retried.status).toBe(200);
        const pair = (await retried.json()) as { accessToken: string; refreshToken: string };
        const me = await fetch(`${second.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${pair.accessToken}` } });
        expect(me.status).toBe(200);
        expect((await refreshRequest(second.url, pair.refreshToken)).status).toBe(200);
      }
    } finally {
      await second.stop();
    }
  });
});
