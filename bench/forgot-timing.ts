/**
 * Forgot-password answers an unknown address as it answers a known one; this
 * measures how alike the two take, one request at a time (no queueing), the
 * two kinds interleaved so that drift of the machine hits both alike. It also
 * times the request that follows each one at once (`GET /health/live`): work
 * the service does after answering, for a known address only, would show there.
 */
const PAIRS = Number(process.env.BENCH_FORGOT_PAIRS ?? 300);

type Quartiles = { p25: number; p50: number; p90: number };

export interface ForgotTiming {
  pairs: number;
  knownMs: Quartiles;
  unknownMs: Quartiles;
  /** The `GET /health/live` sent right after each forgot-password answer. */
  nextRequestAfterKnownMs: Quartiles;
  nextRequestAfterUnknownMs: Quartiles;
}

export async function forgotPasswordTiming(base: string, knownEmail: string): Promise<ForgotTiming> {
  const times = { known: [] as number[], unknown: [] as number[] };
  const next = { known: [] as number[], unknown: [] as number[] };
  const timed = async (url: string, init: RequestInit, status: number): Promise<number> => {
    const started = process.hrtime.bigint();
    const response = await fetch(url, init);
    await response.text();
    if (response.status !== status) throw new Error(`${url} answered ${response.status}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const forgot = (email: string) =>
    timed(`${base}/api/v1/auth/password/forgot`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) }, 202);
  const live = () => timed(`${base}/health/live`, {}, 200);
  for (let pair = 0; pair < PAIRS + 20; pair++) {
    const order = pair % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
    for (const kind of order) {
      const elapsed = await forgot(kind === 'known' ? knownEmail : `nobody-${pair}@bench.example`);
      const following = await live();
      if (pair >= 20) {
        times[kind].push(elapsed);
        next[kind].push(following);
      }
    }
  }
  const result = {
    pairs: PAIRS,
    knownMs: quartiles(times.known),
    unknownMs: quartiles(times.unknown),
    nextRequestAfterKnownMs: quartiles(next.known),
    nextRequestAfterUnknownMs: quartiles(next.unknown),
  };
  const line = (q: Quartiles) => `p25 ${q.p25}, p50 ${q.p50}, p90 ${q.p90} ms`;
  console.log(`  forgot-password, one at a time (${PAIRS} pairs): known ${line(result.knownMs)}; unknown ${line(result.unknownMs)}`);
  console.log(`  the request right after it: known ${line(result.nextRequestAfterKnownMs)}; unknown ${line(result.nextRequestAfterUnknownMs)}`);
  return result;
}

function quartiles(values: number[]): Quartiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) => Math.round(sorted[Math.floor(fraction * (sorted.length - 1))] * 100) / 100;
  return { p25: at(0.25), p50: at(0.5), p90: at(0.9) };
}
