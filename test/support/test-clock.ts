import { Clock } from '../../src/common/clock';

/**
 * The system time plus an offset the test moves forward, so that a lifetime
 * passes without sleeping through it; `freeze()` stops it following the
 * system time at all (for steps whose real duration must not count).
 */
export class TestClock extends Clock {
  private offsetMs = 0;
  private frozenAt?: number;

  now(): number {
    return (this.frozenAt ?? Date.now()) + this.offsetMs;
  }

  /** Everything the service times now sees `ms` more milliseconds gone by. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  freeze(): void {
    this.frozenAt ??= Date.now();
  }
}
