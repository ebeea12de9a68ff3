import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { CLEANUP_INTERVAL_MS, cleanUp } from '../database/hourly-cleanup';
import { AuthEvent } from './auth-event.entity';
import { SecurityEventsConfig, securityEventsConfig } from './security-events.config';

/**
 * Removes security events older than AUTH_EVENTS_RETENTION: they hold the
 * IPs and user agents of the account's activity, personal data not to be
 * kept forever. The audit log of admin actions is not touched.
 */
@Injectable()
export class AuthEventsRetention {
  private readonly logger = new Logger(AuthEventsRetention.name);

  constructor(
    @InjectRepository(AuthEvent) private readonly events: Repository<AuthEvent>,
    @Inject(securityEventsConfig.KEY) private readonly config: SecurityEventsConfig,
    private readonly clock: Clock,
  ) {}

  @Interval(CLEANUP_INTERVAL_MS)
  purgeOldEvents(): Promise<number> {
    return cleanUp(this.logger, 'Old security event', async () => {
      const cutoff = new Date(this.clock.now() - this.config.retentionSeconds * 1000);
      const removed = (await this.events.delete({ createdAt: LessThan(cutoff) })).affected ?? 0;
      if (removed > 0) this.logger.log(`Removed ${removed} security events past AUTH_EVENTS_RETENTION`);
      return removed;
    });
  }
}
