import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { KeyStoreService } from './key-store.service';

const HOUR_MS = 60 * 60 * 1000;

/** Removes sessions past their idle or absolute lifetime, so that the KeyStore does not grow without bound. */
@Injectable()
export class SessionCleanup {
  private readonly logger = new Logger(SessionCleanup.name);

  constructor(private readonly keyStore: KeyStoreService) {}

  @Interval(HOUR_MS)
  async purgeExpiredSessions(): Promise<number> {
    try {
      const removed = await this.keyStore.deleteExpired();
      if (removed > 0) this.logger.log(`Removed ${removed} expired sessions`);
      return removed;
    } catch (error) {
      this.logger.warn(`Expired-session clean-up failed; next try in an hour: ${(error as Error).message}`);
      return 0;
    }
  }
}
