/**
 * `npm run bench`: starts the built service (dist/, `npm run build` first) on
 * PostgreSQL (BENCH_DATABASE_URL) or the embedded database, warms up, and
 * measures requests/s and latency of its hot routes with autocannon, plus the
 * argon2id hashes/s of this machine as login's ceiling. Prints a table and
 * writes bench/results.json.
 */
import { Algorithm, hash } from '@node-rs/argon2';
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP_S = 3;
const SOAK_S = Number(process.env.BENCH_SOAK ?? 30);
const PASSWORD = 'bench passphrase that is long enough';

/** autocannon's per-connection context: lives as long as its connection. */
type Context = Record<string, any>;

interface Scenario {
  name: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  notes?: string;
}

async function main(): Promise<void> {
  const serverEntry = join(__dirname, '..', 'dist', 'main.js');
  if (!existsSync(serverEntry)) throw new Error('dist/main.js is missing: run `npm run build` first (the bench builds nothing itself)');

  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-bench-'));
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, [serverEntry], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
      REDIS_URL: '',
      RATE_LIMIT_ENABLED: 'false',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitUntilReady(base, server);
    const database = process.env.BENCH_DATABASE_URL ? 'PostgreSQL (BENCH_DATABASE_URL)' : 'embedded PGlite';
    console.log(`Service pid ${server.pid} on ${base}, ${database}; ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per route`);

    const users = await createUsers(base, CONNECTIONS);
    const accessTokens = await Promise.all(users.map(async (email) => (await login(base, email)).accessToken as string));
    const refreshTokens = await Promise.all(users.map(async (email) => (await login(base, email)).refreshToken as string));
    const memory: Record<string, number> = { afterSetupMb: rssMb(server) };

    const scenarios: Scenario[] = [];
    scenarios.push(await measure('GET /health/live', { url: `${base}/health/live` }));
    scenarios.push(
      await measure('GET /api/v1/users/me (Bearer)', { url: base, requests: usersMeRequests(accessTokens) }),
    );
    scenarios.push(await measureRefresh(base, refreshTokens));
    scenarios.push(
      await measure('POST /api/v1/auth/login', {
        url: base,
        requests: [
          {
            method: 'POST',
            path: '/api/v1/auth/login',
            setupRequest: (request, context: Context) => ({
              ...request,
              headers: { 'content-type': 'application/json', 'x-token-transport': 'body' },
              body: JSON.stringify({ email: users[nextIndex(context, users.length)], password: PASSWORD }),
            }),
          },
        ],
      }),
    );
    memory.afterRoutesMb = rssMb(server);

    const soak = await soakUsersMe(base, accessTokens, server);
    const argon2 = await argon2HashesPerSecond();
    const [health, me, refresh, loginScenario] = scenarios;
    const results = {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
      database,
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
      scenarios,
      argon2idHashesPerSec: argon2,
      ratios: {
        usersMeOverHealthLive: round(me.requestsPerSec / health.requestsPerSec, 3),
        usersMeOverPeer375: round(me.requestsPerSec / 375, 1),
        loginOverArgon2: round(loginScenario.requestsPerSec / argon2, 3),
      },
      memory: { ...memory, soak },
    };
    printTable(results);
    writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log('\nWrote bench/results.json');
    void refresh;
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Refresh, with every refresh token used exactly once: one single-connection
 * autocannon instance per session (as many as the other routes' connections)
 * chains that session's rotations, so no two requests ever race on one
 * session. (autocannon's per-connection context cannot pin a session.)
 */
async function measureRefresh(base: string, refreshTokens: string[]): Promise<Scenario> {
  const latest = [...refreshTokens];
  let validPairs = 0;
  let invalidPairs = 0;
  const chain = (slot: number, duration: number) =>
    run({
      url: base,
      connections: 1,
      duration,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/auth/refresh',
          setupRequest: (request) => ({
            ...request,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ refreshToken: latest[slot] }),
          }),
          onResponse: (status, body) => {
            const pair = status === 200 ? safeJson(body) : undefined;
            if (pair && isJwt(pair.accessToken) && isJwt(pair.refreshToken) && pair.refreshToken !== latest[slot]) {
              latest[slot] = pair.refreshToken;
              validPairs++;
            } else {
              invalidPairs++;
            }
          },
        },
      ],
    });
  await Promise.all(latest.map((_, slot) => chain(slot, WARMUP_S)));
  [validPairs, invalidPairs] = [0, 0];
  const results = await Promise.all(latest.map((_, slot) => chain(slot, DURATION_S)));
  const total = results.reduce((sum, result) => sum + result.requests.total, 0);
  const scenario: Scenario = {
    name: 'POST /api/v1/auth/refresh',
    requestsPerSec: Math.round(results.reduce((sum, result) => sum + result.requests.average, 0)),
    // Request-weighted mean of the medians; the worst chain's p99.
    p50Ms: Math.round(results.reduce((sum, result) => sum + result.latency.p50 * result.requests.total, 0) / Math.max(1, total)),
    p99Ms: Math.max(...results.map((result) => result.latency.p99)),
    errors: results.reduce((sum, result) => sum + result.errors + result.timeouts, 0) + invalidPairs,
    non2xx: results.reduce((sum, result) => sum + result.non2xx, 0),
    notes: `${validPairs} valid new pairs, ${invalidPairs} invalid`,
  };
  console.log(`  ${scenario.name}: ${scenario.requestsPerSec} req/s, p50 ${scenario.p50Ms} ms, p99 ${scenario.p99Ms} ms, ${scenario.notes}`);
  return scenario;
}

async function soakUsersMe(base: string, tokens: string[], server: ChildProcess) {
  const samples: number[] = [rssMb(server)];
  const timer = setInterval(() => samples.push(rssMb(server)), 5000);
  await run({
    url: base,
    connections: CONNECTIONS,
    duration: SOAK_S,
    requests: usersMeRequests(tokens),
  });
  clearInterval(timer);
  samples.push(rssMb(server));
  return { seconds: SOAK_S, rssSamplesMb: samples, startMb: samples[0], endMb: samples[samples.length - 1], maxMb: Math.max(...samples) };
}

/** GET /users/me, each connection with its own user's access token. */
function usersMeRequests(tokens: string[]): autocannon.Request[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/users/me',
      setupRequest: (request, context: Context) => {
        context.token ??= tokens[nextIndex(context, tokens.length)];
        return { ...request, headers: { authorization: `Bearer ${context.token}` } };
      },
    },
  ];
}

async function measure(name: string, options: autocannon.Options, notes?: () => string): Promise<Scenario> {
  await run({ ...options, connections: CONNECTIONS, duration: WARMUP_S });
  const result = await run({ ...options, connections: CONNECTIONS, duration: DURATION_S });
  const scenario = {
    name,
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ...(notes && { notes: notes() }),
  };
  console.log(`  ${name}: ${scenario.requestsPerSec} req/s, p50 ${scenario.p50Ms} ms, p99 ${scenario.p99Ms} ms`);
  return scenario;
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** argon2id at the service's parameters, on as many threads as the service's pool (libuv's 4). */
async function argon2HashesPerSecond(): Promise<number> {
  const options = { algorithm: 2 as Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };
  const deadline = Date.now() + 5000;
  let count = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      await hash(PASSWORD, options);
      count++;
    }
  };
  const started = Date.now();
  await Promise.all([worker(), worker(), worker(), worker()]);
  return Math.round((count / (Date.now() - started)) * 1000);
}

async function createUsers(base: string, count: number): Promise<string[]> {
  const emails = Array.from({ length: count }, () => `bench-${randomUUID()}@example.com`);
  for (const email of emails) {
    const response = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`);
  }
  return emails;
}

async function login(base: string, email: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-token-transport': 'body' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

let connectionCounter = 0;
/** A stable index per autocannon connection (its context object lives as long as the connection). */
function nextIndex(context: Context, modulo: number): number {
  context.index ??= connectionCounter++;
  return (context.index as number) % modulo;
}

async function waitUntilReady(base: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the service exited with code ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the service did not become ready within 60 s');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

function rssMb(server: ChildProcess): number {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function safeJson(body: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function isJwt(value: unknown): value is string {
  return typeof value === 'string' && value.split('.').length === 3;
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function printTable(results: {
  machine: Record<string, unknown>;
  database: string;
  scenarios: Scenario[];
  argon2idHashesPerSec: number;
  ratios: Record<string, number>;
  memory: { soak: { startMb: number; endMb: number; maxMb: number; seconds: number } } & Record<string, unknown>;
}): void {
  const { machine, scenarios, ratios, memory } = results;
  console.log(`\n${machine.cpu} (${machine.cores} cores, ${machine.memoryGb} GiB), Node ${machine.node}, ${results.database}`);
  console.log('| route | req/s | p50 ms | p99 ms | errors | non-2xx |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const s of scenarios) console.log(`| ${s.name} | ${s.requestsPerSec} | ${s.p50Ms} | ${s.p99Ms} | ${s.errors} | ${s.non2xx} |`);
  console.log(`| argon2id hashes/s (login's ceiling) | ${results.argon2idHashesPerSec} | | | | |`);
  console.log(`\n/users/me over /health/live: ${ratios.usersMeOverHealthLive}; /users/me over the peer's 375/s: ${ratios.usersMeOverPeer375}x; login over argon2id hashes/s: ${ratios.loginOverArgon2}`);
  console.log(`Service RSS during a ${memory.soak.seconds} s /users/me soak: ${memory.soak.startMb} MB -> ${memory.soak.endMb} MB (max ${memory.soak.maxMb} MB)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
