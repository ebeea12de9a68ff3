/**
 * How long `eventually` waits before failing. Generous on purpose: it only
 * ends a run where the awaited change never comes, and it is no promise about
 * how fast it comes (a loaded CI machine can take seconds).
 */
export const EVENTUALLY_TIMEOUT_MS = 10_000;

const POLL_INTERVAL_MS = 20;

/** Polls `check` until it holds; throws, naming `what` was awaited, when it still does not after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = EVENTUALLY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() >= deadline) throw new Error(`still waiting after ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
