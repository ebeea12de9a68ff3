/**
 * `npm run bench`: measures the built service (dist/, `npm run build` first)
 * against the ceiling of its own framework, in one run on this machine.
 *
 * The service (and the bare-Fastify ceiling) run pinned to one core with
 * `taskset` when it is available, the load generator (autocannon) on another;
 * the database is not pinned. Routes are driven with 50 connections for 5 s
 * after a warm-up; logs at `error`; rate limits off. Written to
 * bench/results.json and to the table in docs/PERFORMANCE.md.
 */
import autocannon from 'autocannon';
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { forgotPasswordTiming } from './forgot-timing';

const ROOT = join(__dirname, '..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
// Long enough for V8 to have optimised the hot paths: shorter warm-ups measure the JIT.
const WARMUP_S = 5;
const SOAK_S = Number(process.env.BENCH_SOAK ?? 60);
const SERVER_CORE = process.env.BENCH_SERVER_CORE ?? '0';
const LOAD_CORE = process.env.BENCH_LOAD_CORE ?? '1';
const PASSWORD = 'bench passphrase that is long enough';
const HAS_TASKSET = spawnSync('taskset', ['-c', SERVER_CORE, 'true']).status === 0;

/** The targets of the performance issue, checked on every run. */
const TARGETS = {
  healthOverCeiling: 0.5,
  meOverCeiling: 0.35,
  meOverHealth: 0.7,
  meP99Ms: 15,
  refreshPerSecond: 2000,
  loginOverArgon2: 0.9,
  rssDrift: 0.1,
};

type Context = { token?: string; index?: number };

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
  const serverEntry = join(ROOT, 'dist', 'main.js');
  if (!existsSync(serverEntry)) throw new Error('dist/main.js is missing: run `npm run build` first (the bench builds nothing itself)');
  if (HAS_TASKSET) pin(process.pid, LOAD_CORE);

  const database = await benchDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-bench-'));
  const started: ChildProcess[] = [];
  try {
    const ceilingPort = await freePort();
    const bare = startPinned([process.execPath, '-r', 'ts-node/register/transpile-only', join(ROOT, 'bench', 'bare-fastify.ts')], { PORT: String(ceilingPort) });
    started.push(bare);
    await waitUntilAnswering(`http://127.0.0.1:${ceilingPort}/health/live`, bare);
    const ceiling = await measure('bare Fastify route (ceiling)', { url: `http://127.0.0.1:${ceilingPort}/health/live` });
    bare.kill('SIGTERM');

    // A mail server of its own, on the load generator's core: the service sends its mails as in production.
    const sink = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'bench', 'smtp-sink.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(sink);
    const sinkPort = await new Promise<string>((resolve) => sink.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
    if (HAS_TASKSET) pin(sink.pid!, LOAD_CORE);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = startPinned([process.execPath, serverEntry], {
      SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url ?? '',
      REDIS_URL: '',
      RATE_LIMIT_ENABLED: 'false',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
    });
    started.push(server);
    await waitUntilAnswering(`${base}/health/ready`, server);
    console.log(
      `Service pid ${server.pid}${HAS_TASKSET ? ` on core ${SERVER_CORE}, load on core ${LOAD_CORE}` : ' (taskset missing: not pinned)'}, ${database.label}`,
    );

    const users = await createUsers(base, CONNECTIONS);
    const accessTokens = await Promise.all(users.map(async (email) => (await login(base, email)).accessToken as string));
    const refreshTokens = await Promise.all(users.map(async (email) => (await login(base, email)).refreshToken as string));

    const health = await measure('GET /health/live', { url: `${base}/health/live` });
    const me = await measure('GET /api/v1/users/me (Bearer)', { url: base, requests: usersMeRequests(accessTokens) });
    const warm = await databaseWorkOfWarmRequests(database, base, accessTokens);
    me.notes = warm
      ? `${warm.transactions} database transactions in ${warm.requests} warm requests (the listener's heartbeat included)`
      : 'embedded database: transactions not counted';
    const refresh = await measureRefresh(base, refreshTokens);
    const loginScenario = await measure('POST /api/v1/auth/login', { url: base, requests: loginRequests(users) });
    const argon2 = argon2Ceiling();
    const forgotTiming = await forgotPasswordTiming(base, users[0]);

    const soak = await soakMixed(base, users, server);
    const results = {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
      pinned: HAS_TASKSET ? { server: SERVER_CORE, load: LOAD_CORE } : null,
      database: database.label,
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      logLevel: process.env.BENCH_LOG_LEVEL ?? 'error',
      scenarios: [ceiling, health, me, refresh, loginScenario],
      argon2idVerificationsPerSec: argon2,
      ratios: {
        healthOverCeiling: round(health.requestsPerSec / ceiling.requestsPerSec),
        meOverCeiling: round(me.requestsPerSec / ceiling.requestsPerSec),
        meOverHealth: round(me.requestsPerSec / health.requestsPerSec),
        loginOverArgon2: round(loginScenario.requestsPerSec / argon2),
      },
      forgotPasswordTiming: forgotTiming,
      databaseTransactionsPerWarmMe: warm ? round(warm.transactions / Math.max(1, warm.requests), 5) : null,
      memory: soak,
      targets: TARGETS,
    };
    const verdicts = verdictsOf(results);
    printTable(results, verdicts);
    writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify({ ...results, verdicts }, null, 2)}\n`);
    writeDocsTable(results, verdicts);
    console.log('\nWrote bench/results.json and the table in docs/PERFORMANCE.md');
  } finally {
    for (const child of started) child.kill('SIGTERM');
    await Promise.all(started.flatMap((child) => (child.exitCode === null ? [new Promise((resolve) => child.once('exit', resolve))] : [])));
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  }
}

/** A fresh database for the run on the server of BENCH_DATABASE_URL (dropped afterwards), or the embedded one. */
async function benchDatabase() {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) return { url: undefined, label: 'embedded PGlite', transactions: async () => 0, drop: async () => undefined };
  const url = new URL(serverUrl);
  const name = `${url.pathname.replace(/^\//, '') || 'postgres'}_bench_${randomBytes(4).toString('hex')}`;
  const admin = async <T>(work: (client: Client) => Promise<T>, database = serverUrl): Promise<T> => {
    const client = new Client({ connectionString: database });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    label: 'PostgreSQL (BENCH_DATABASE_URL)',
    /** Transactions committed or rolled back in the bench database so far (every statement outside a transaction is one). */
    transactions: () =>
      admin(async (client) => {
        const { rows } = await client.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [name]);
        return Number(rows[0]?.n ?? 0);
      }, serverUrl),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * Database transactions during warm GET /users/me requests, from PostgreSQL's
 * own statistics (each statement outside a transaction counts as one); the
 * statistics are flushed about once a second, hence the pauses.
 */
async function databaseWorkOfWarmRequests(database: Awaited<ReturnType<typeof benchDatabase>>, base: string, tokens: string[]) {
  if (!database.url) return undefined;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 1500));
  await pause();
  const before = await database.transactions();
  const result = await run({ url: base, connections: CONNECTIONS, duration: 3, requests: usersMeRequests(tokens) });
  await pause();
  return { requests: result.requests.total, transactions: (await database.transactions()) - before };
}

async function measure(name: string, options: autocannon.Options, log = true): Promise<Scenario> {
  await run({ ...options, connections: CONNECTIONS, duration: WARMUP_S });
  await settle();
  const result = await run({ ...options, connections: CONNECTIONS, duration: DURATION_S });
  const scenario: Scenario = {
    name,
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ...(result.non2xx > 0 && { notes: `statuses: ${JSON.stringify(result.statusCodeStats)}` }),
  };
  if (log) console.log(`  ${name}: ${scenario.requestsPerSec} req/s, p50 ${scenario.p50Ms} ms, p99 ${scenario.p99Ms} ms`);
  return scenario;
}

/**
 * Refresh with every refresh token used exactly once: one single-connection
 * autocannon instance per session chains that session's rotations, so no two
 * requests ever race on one session. Every answer must be a new, working pair.
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
          setupRequest: (request) => ({ ...request, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: latest[slot] }) }),
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
  await settle();
  [validPairs, invalidPairs] = [0, 0];
  const results = await Promise.all(latest.map((_, slot) => chain(slot, DURATION_S)));
  // No session was lost: the last refresh token each chain received refreshes once more (the request
  // autocannon cut off at the end may have rotated it: then the grace window answers), into a working pair.
  const working = await Promise.all(latest.map((token) => refreshesIntoWorkingPair(base, token)));
  const total = results.reduce((sum, result) => sum + result.requests.total, 0);
  const scenario: Scenario = {
    name: 'POST /api/v1/auth/refresh (50 chains)',
    requestsPerSec: Math.round(results.reduce((sum, result) => sum + result.requests.average, 0)),
    p50Ms: Math.round(results.reduce((sum, result) => sum + result.latency.p50 * result.requests.total, 0) / Math.max(1, total)),
    p99Ms: Math.max(...results.map((result) => result.latency.p99)),
    errors: results.reduce((sum, result) => sum + result.errors + result.timeouts, 0) + invalidPairs + working.filter((ok) => !ok).length,
    non2xx: results.reduce((sum, result) => sum + result.non2xx, 0),
    notes: `${validPairs} valid new pairs, ${invalidPairs} invalid; sessions alive after: ${working.filter(Boolean).length}/${working.length}`,
  };
  console.log(`  ${scenario.name}: ${scenario.requestsPerSec} req/s, p50 ${scenario.p50Ms} ms, p99 ${scenario.p99Ms} ms, ${scenario.notes}`);
  return scenario;
}

async function refreshesIntoWorkingPair(base: string, refreshToken: string): Promise<boolean> {
  const response = await fetch(`${base}/api/v1/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  if (response.status !== 200) return false;
  const { accessToken } = (await response.json()) as { accessToken: string };
  return (await fetch(`${base}/api/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status === 200;
}

/** argon2id verifications/s on the service's core, at the concurrency the service would use there. */
function argon2Ceiling(): number {
  const command = [process.execPath, '-r', 'ts-node/register/transpile-only', join(ROOT, 'bench', 'argon2-ceiling.ts')];
  const output = HAS_TASKSET
    ? execFileSync('taskset', ['-c', SERVER_CORE, ...command], { cwd: ROOT, encoding: 'utf8' })
    : execFileSync(command[0], command.slice(1), { cwd: ROOT, encoding: 'utf8' });
  const rate = Number(output.trim());
  console.log(`  argon2id verifications/s on the service's core(s): ${rate}`);
  return rate;
}

/** 60 s of profile reads, refreshes, logins and health checks together; the service's RSS every 5 s after a warm-up. */
async function soakMixed(base: string, users: string[], server: ChildProcess) {
  // Profile reads and refresh chains on sessions of their own: a rotation retires the access token it replaces.
  const tokens = await Promise.all(users.map((email) => login(base, email)));
  const latest = await Promise.all(users.slice(0, 8).map(async (email) => (await login(base, email)).refreshToken as string));
  const mixed: autocannon.Request[] = [...usersMeRequests(tokens.map((pair) => pair.accessToken as string)), { method: 'GET', path: '/health/live' }];
  const load = (duration: number) =>
    Promise.all([
      run({ url: base, connections: CONNECTIONS - 10, duration, requests: mixed }),
      ...latest.map((_, slot) =>
        run({
          url: base,
          connections: 1,
          duration,
          requests: [
            {
              method: 'POST',
              path: '/api/v1/auth/refresh',
              setupRequest: (request) => ({ ...request, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: latest[slot] }) }),
              onResponse: (status, body) => {
                const pair = status === 200 ? safeJson(body) : undefined;
                if (pair && isJwt(pair.refreshToken)) latest[slot] = pair.refreshToken;
              },
            },
          ],
        }),
      ),
      run({ url: base, connections: 2, duration, requests: loginRequests(users) }),
    ]);
  // Long enough for the heap and the allocator to settle after the login scenario before it.
  const warmupSamplesMb: number[] = [rssMb(server)];
  const warmupTimer = setInterval(() => warmupSamplesMb.push(rssMb(server)), 5000);
  await load(30);
  clearInterval(warmupTimer);
  console.log(`  soak warm-up RSS every 5 s: ${warmupSamplesMb.join(' ')} MB`);
  const samples: number[] = [rssMb(server)];
  const timer = setInterval(() => samples.push(rssMb(server)), 5000);
  await load(SOAK_S);
  clearInterval(timer);
  samples.push(rssMb(server));
  const [startMb, endMb] = [samples[0], samples[samples.length - 1]];
  const soak = { seconds: SOAK_S, warmupSamplesMb, rssSamplesMb: samples, startMb, endMb, maxMb: Math.max(...samples), drift: round((endMb - startMb) / startMb) };
  console.log(`  mixed soak ${SOAK_S} s: RSS ${startMb} MB -> ${endMb} MB (max ${soak.maxMb} MB, drift ${soak.drift})`);
  return soak;
}

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

function loginRequests(users: string[]): autocannon.Request[] {
  return [
    {
      method: 'POST',
      path: '/api/v1/auth/login',
      setupRequest: (request, context: Context) => ({
        ...request,
        headers: { 'content-type': 'application/json', 'x-token-transport': 'body' },
        body: JSON.stringify({ email: users[nextIndex(context, users.length)], password: PASSWORD }),
      }),
    },
  ];
}

function verdictsOf(results: { scenarios: Scenario[]; ratios: Record<string, number>; memory: { drift: number } }): Record<string, boolean> {
  const [, , me, refresh] = results.scenarios;
  return {
    healthOverCeiling: results.ratios.healthOverCeiling >= TARGETS.healthOverCeiling,
    meOverCeiling: results.ratios.meOverCeiling >= TARGETS.meOverCeiling,
    meOverHealth: results.ratios.meOverHealth >= TARGETS.meOverHealth,
    meP99: me.p99Ms < TARGETS.meP99Ms,
    refresh: refresh.requestsPerSec >= TARGETS.refreshPerSecond && refresh.errors === 0 && refresh.non2xx === 0,
    loginOverArgon2: results.ratios.loginOverArgon2 >= TARGETS.loginOverArgon2,
    rssFlat: Math.abs(results.memory.drift) <= TARGETS.rssDrift,
  };
}

/**
 * autocannon drops the requests in flight when a run ends; the service still
 * answers them. A pause lets it finish before the next run starts, which
 * would otherwise find twice the load (and, for logins, a full hashing queue).
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 3000));
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error as Error) : resolve(result)));
  });
}

/** A child process on the service's core (when taskset is there). */
function startPinned(command: string[], env: Record<string, string>): ChildProcess {
  const [file, ...args] = HAS_TASKSET ? ['taskset', '-c', SERVER_CORE, ...command] : command;
  // BENCH_SERVER_LOG=<file> keeps what the processes log (with BENCH_LOG_LEVEL=warn, say), to see why a request failed.
  const log = process.env.BENCH_SERVER_LOG ? openSync(process.env.BENCH_SERVER_LOG, 'a') : 'ignore';
  return spawn(file, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', log, 'inherit'] });
}

function pin(pid: number, core: string): void {
  spawnSync('taskset', ['-a', '-p', '-c', core, String(pid)], { stdio: 'ignore' });
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
  return context.index % modulo;
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within 60 s`);
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

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
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

function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}

type Results = Parameters<typeof verdictsOf>[0] & {
  machine: { cpu?: string; cores: number; memoryGb: number; node: string };
  database: string;
  argon2idVerificationsPerSec: number;
  memory: { startMb: number; endMb: number; maxMb: number; seconds: number; drift: number };
  pinned: unknown;
};

function tableOf(results: Results, verdicts: Record<string, boolean>): string {
  const mark = (ok: boolean) => (ok ? 'met' : '**missed**');
  const [ceiling, health, me, refresh, loginScenario] = results.scenarios;
  const { ratios, memory } = results;
  const rows = [
    '| route | req/s | p50 ms | p99 ms | errors | ratio | target |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
    `| ${ceiling.name} | ${ceiling.requestsPerSec} | ${ceiling.p50Ms} | ${ceiling.p99Ms} | ${ceiling.errors} | 1.00 | |`,
    `| ${health.name} | ${health.requestsPerSec} | ${health.p50Ms} | ${health.p99Ms} | ${health.errors} | ${ratios.healthOverCeiling} of the ceiling | ≥ 0.5: ${mark(verdicts.healthOverCeiling)} |`,
    `| ${me.name} | ${me.requestsPerSec} | ${me.p50Ms} | ${me.p99Ms} | ${me.errors} | ${ratios.meOverCeiling} of the ceiling, ${ratios.meOverHealth} of health | ≥ 0.35, ≥ 0.7, p99 < 15 ms: ${mark(verdicts.meOverCeiling && verdicts.meOverHealth && verdicts.meP99)} |`,
    `| ${refresh.name} | ${refresh.requestsPerSec} | ${refresh.p50Ms} | ${refresh.p99Ms} | ${refresh.errors + refresh.non2xx} | ${refresh.notes} | ≥ 2,000/s, no errors: ${mark(verdicts.refresh)} |`,
    `| ${loginScenario.name} | ${loginScenario.requestsPerSec} | ${loginScenario.p50Ms} | ${loginScenario.p99Ms} | ${loginScenario.errors} | ${ratios.loginOverArgon2} of ${results.argon2idVerificationsPerSec} argon2id verifications/s | ≥ 0.9: ${mark(verdicts.loginOverArgon2)} |`,
    `| mixed soak, ${memory.seconds} s | | | | | RSS ${memory.startMb} → ${memory.endMb} MB (max ${memory.maxMb}), drift ${memory.drift} | within ±10%: ${mark(verdicts.rssFlat)} |`,
  ];
  return [
    `${results.machine.cpu} (${results.machine.cores} cores), Node ${results.machine.node}, ${results.database}, ` +
      `${results.pinned ? 'service pinned to one core, load on the other' : 'not pinned (no taskset)'}; ${new Date().toISOString().slice(0, 10)}.`,
    '',
    ...rows,
  ].join('\n');
}

function printTable(results: Results, verdicts: Record<string, boolean>): void {
  console.log(`\n${tableOf(results, verdicts)}`);
}

/** Replaces the table between the bench markers of docs/PERFORMANCE.md. */
function writeDocsTable(results: Results, verdicts: Record<string, boolean>): void {
  const file = join(ROOT, 'docs', 'PERFORMANCE.md');
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const updated = text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${tableOf(results, verdicts)}\n<!-- bench:end -->`);
  writeFileSync(file, updated);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
