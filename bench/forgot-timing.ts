/**
 * Forgot-password answers an unknown address as it answers a known one; this
 * measures how alike the two take, one request at a time (no queueing), the
 * two kinds interleaved so that drift of the machine hits both alike.
 */
const PAIRS = 300;

export interface ForgotTiming {
  pairs: number;
  knownMs: { p25: number; p50: number; p90: number };
  unknownMs: { p25: number; p50: number; p90: number };
}

export async function forgotPasswordTiming(base: string, knownEmail: string): Promise<ForgotTiming> {
  const times = { known: [] as number[], unknown: [] as number[] };
  const forgot = async (email: string): Promise<number> => {
    const started = process.hrtime.bigint();
    const response = await fetch(`${base}/api/v1/auth/password/forgot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    await response.text();
    if (response.status !== 202) throw new Error(`forgot-password answered ${response.status}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  for (let pair = 0; pair < PAIRS + 20; pair++) {
    const order = pair % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
    for (const kind of order) {
      const elapsed = await forgot(kind === 'known' ? knownEmail : `nobody-${pair}@bench.example`);
      if (pair >= 20) times[kind].push(elapsed);
    }
  }
  const result = { pairs: PAIRS, knownMs: quartiles(times.known), unknownMs: quartiles(times.unknown) };
  const line = (q: ForgotTiming['knownMs']) => `p25 ${q.p25}, p50 ${q.p50}, p90 ${q.p90} ms`;
  console.log(`  forgot-password, one at a time (${PAIRS} pairs): known ${line(result.knownMs)}; unknown ${line(result.unknownMs)}`);
  return result;
}

function quartiles(values: number[]): ForgotTiming['knownMs'] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) => Math.round(sorted[Math.floor(fraction * (sorted.length - 1))] * 100) / 100;
  return { p25: at(0.25), p50: at(0.5), p90: at(0.9) };
}
