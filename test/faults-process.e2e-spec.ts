import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { MIGRATION_LOCK_KEY } from '../src/database/migrate';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { productionEnv } from './support/production-env';
import { rawRequest } from './support/raw-http';
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

  it('with SHUTDOWN_DELAY, answers /health/ready 503 at once on SIGTERM while still serving requests and new connections, then drains and exits 0', async () => {
    const service = await ServiceProcess.start(serviceEnv(database.databaseUrl!, keys.dir, { SHUTDOWN_DELAY: '5s', LOG_LEVEL: 'info' }), await freePort());
    const user = await registerUser(service);
    service.signal('SIGTERM');
    await eventually('/health/ready to answer 503', async () => (await outcome(fetch(`${service.url}/health/ready`))) === 503);
    const ready = await fetch(`${service.url}/health/ready`);
    expect(await ready.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'The instance is shutting down' });
    expect(await outcome(loginRequest(service, user))).toBe(200);
    const onNewConnection = await rawRequest(service.url, 'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(onNewConnection.status).toBe(200);
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.stdout).toContain('SIGTERM: /health/ready answers 503; still serving for SHUTDOWN_DELAY (5 s)');
  });

  it('sends the cache invalidations still queued when it stops, before its pool closes', async () => {
    const service = await ServiceProcess.start(serviceEnv(database.databaseUrl!, keys.dir), await freePort());
    const client = new Client({ connectionString: database.databaseUrl });
    await client.connect();
    try {
      // Queued as a change committed just before the signal leaves them (the sweep would send them within a second).
      await client.query("INSERT INTO cache_invalidations (key) VALUES ('session:queued-at-shutdown')");
      service.signal('SIGTERM');
      expect(await service.exited).toEqual({ code: 0, signal: null });
      const { rows } = await client.query<{ queued: number }>('SELECT count(*)::int AS queued FROM cache_invalidations');
      expect(rows[0].queued).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('stops at once, exit 0, on a SIGTERM during the boot (its migrations waiting for the lock), having applied nothing', async () => {
    const waiting = await createTestDatabase();
    const holder = new Client({ connectionString: waiting.databaseUrl });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const service = ServiceProcess.launch(serviceEnv(waiting.databaseUrl!, keys.dir), await freePort());
      await eventually('the service to wait for the migration lock', async () => {
        const { rows } = await holder.query<{ waiting: number }>("SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
        return rows[0].waiting === 1;
      });
      service.signal('SIGTERM');
      expect(await service.exited).toEqual({ code: 0, signal: null });
      expect(service.stderr.trim()).toBe('SIGTERM while starting: stopped before serving');
      const { rows } = await holder.query("SELECT to_regclass('public.users') AS users");
      expect(rows[0].users).toBeNull();
    } finally {
      await holder.end();
      await waiting.drop();
    }
  });

  describe('in production, secrets from files (X_FILE)', () => {
    let secrets: string;
    beforeAll(() => {
      secrets = mkdtempSync(join(tmpdir(), 'auth-secrets-'));
    });
    afterAll(() => rmSync(secrets, { recursive: true, force: true }));

    /** `values` written as files (with the newline `echo` adds) and given as X_FILE instead of X. */
    function fromFiles(values: Record<string, string>): Record<string, string> {
      return Object.fromEntries(
        Object.entries(values).map(([name, value]) => {
          const path = join(secrets, name);
          writeFileSync(path, `${value}\n`, { mode: 0o600 });
          return [`${name}_FILE`, path];
        }),
      );
    }

    it('boots and serves with the database URL, the mail server, the metrics token and the TOTP key read from files', async () => {
      const { DATABASE_URL, ...rest } = serviceEnv(database.databaseUrl!, keys.dir);
      const { METRICS_TOKEN, MFA_ENCRYPTION_KEY, SMTP_URL, ...production } = productionEnv();
      const env = { ...rest, ...production, ...fromFiles({ DATABASE_URL, METRICS_TOKEN, MFA_ENCRYPTION_KEY, SMTP_URL }) };
      const service = await ServiceProcess.start(env, await freePort());
      try {
        await service.waitUntilReady();
        await registerUser(service);
        expect((await fetch(`${service.url}/metrics`)).status).toBe(401);
        expect((await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
      } finally {
        expect(await service.stop()).toEqual({ code: 0, signal: null });
      }
    });

    it('refuses a variable set both ways, in one line naming both and showing neither value', async () => {
      const env = { ...serviceEnv(database.databaseUrl!, keys.dir), ...productionEnv() };
      const { exit, stdout, stderr } = await ServiceProcess.failing({ ...env, ...fromFiles({ METRICS_TOKEN: 'from-a-file-token' }) }, await freePort());
      expect(exit.code).toBe(1);
      expect((stdout + stderr).trim().split('\n')).toEqual(['Configuration error: METRICS_TOKEN and METRICS_TOKEN_FILE are both set; set one of them']);
    });
  });

  it('checks the signing keys before it migrates: without them it stops in one line, leaving a new database untouched', async () => {
    const fresh = await createTestDatabase();
    const noKeys = mkdtempSync(join(tmpdir(), 'auth-no-keys-'));
    try {
      const { exit, stdout, stderr } = await ServiceProcess.failing({ ...serviceEnv(fresh.databaseUrl!, noKeys), ...productionEnv() }, await freePort());
      expect(exit.code).toBe(1);
      expect((stdout + stderr).trim().split('\n')).toEqual([
        expect.stringMatching(/^Configuration error: .*access\.pem is missing: production needs its access signing key/),
      ]);
      const client = new Client({ connectionString: fresh.databaseUrl });
      await client.connect();
      const { rows } = await client.query("SELECT to_regclass('public.migrations') AS migrations");
      await client.end();
      expect(rows[0].migrations).toBeNull();
    } finally {
      rmSync(noKeys, { recursive: true, force: true });
      await fresh.drop();
    }
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
