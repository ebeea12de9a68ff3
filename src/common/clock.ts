import { DynamicModule, Global, Module } from '@nestjs/common';

/**
 * The time the service goes by: token lifetimes, session expiry, the grace
 * window and key activation all ask it rather than `Date.now()`, so tests can
 * move time forward instead of sleeping through a lifetime.
 */
export abstract class Clock {
  /** Milliseconds since the epoch. */
  abstract now(): number;

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

@Global()
@Module({})
export class ClockModule {
  static forRoot(clock: Clock = new SystemClock()): DynamicModule {
    return { module: ClockModule, providers: [{ provide: Clock, useValue: clock }], exports: [Clock] };
  }
}
