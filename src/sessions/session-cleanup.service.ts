import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { KeyStoreService } from './key-store.service';
import { AccountTokens } from '../account/account-tokens.service';

const HOUR_MS = 60 * 60 * 1000;

/** Removes sessions past their idle or absolute lifetime, and mailed tokens past theirs, so neither table grows without bound. */
@Injectable()
export class SessionCleanup {
  private readonly logger = new Logger(SessionCleanup.name);

  constructor(
    private readonly keyStore: KeyStoreService,
    private readonly accountTokens: AccountTokens,
  ) {}

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

  @Interval(HOUR_MS)
  async purgeExpiredTokens(): Promise<number> {
    try {
      return await this.accountTokens.deleteExpired();
    } catch (error) {
      this.logger.warn(`Expired-token clean-up failed; next try in an hour: ${(error as Error).message}`);
      return 0;
    }
  }
}
