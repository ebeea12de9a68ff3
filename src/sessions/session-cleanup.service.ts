import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { CLEANUP_INTERVAL_MS, cleanUp } from '../database/hourly-cleanup';
import { KeyStoreService } from './key-store.service';

/** Removes sessions past their idle or absolute lifetime, so that the KeyStore does not grow without bound. */
@Injectable()
export class SessionCleanup {
  private readonly logger = new Logger(SessionCleanup.name);

  constructor(private readonly keyStore: KeyStoreService) {}

  @Interval(CLEANUP_INTERVAL_MS)
  purgeExpiredSessions(): Promise<number> {
    return cleanUp(this.logger, 'Expired-session', async () => {
      const removed = await this.keyStore.deleteExpired();
      if (removed > 0) this.logger.log(`Removed ${removed} expired sessions`);
      return removed;
    });
  }
}
