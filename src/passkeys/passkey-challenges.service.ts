import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { CLEANUP_INTERVAL_MS, deleteExpiredRows } from '../database/hourly-cleanup';
import { PASSKEY_CHALLENGE_TTL_MS } from './passkey-ceremony';
import { PasskeyCeremony, PasskeyChallenge } from './passkey-challenge.entity';

/** Challenges of both ceremonies: random, server-side, valid 5 minutes, and taken at most once. */
@Injectable()
export class PasskeyChallenges {
  private readonly logger = new Logger(PasskeyChallenges.name);

  constructor(
    @InjectRepository(PasskeyChallenge) private readonly challenges: Repository<PasskeyChallenge>,
    private readonly clock: Clock,
  ) {}

  /** Keeps `challenge` (made by the options generator) for its ceremony; answers its id. */
  async keep(ceremony: PasskeyCeremony, challenge: string, userId: string | null): Promise<string> {
    const id = randomUUID();
    await this.challenges.insert({ id, ceremony, userId, challenge, expiresAt: new Date(this.clock.now() + PASSKEY_CHALLENGE_TTL_MS) });
    return id;
  }

  /**
   * Takes the live challenge that matches, deleting it whether or not the
   * answer then verifies: each challenge gets one answer. Null when there is
   * none (unknown, used, expired, or of another ceremony or account).
   */
  async take(match: { ceremony: 'authentication'; id: string } | { ceremony: 'registration'; userId: string; challenge: string }): Promise<string | null> {
    const now = new Date(this.clock.now());
    const query = this.challenges
      .createQueryBuilder()
      .delete()
      .where('ceremony = :ceremony AND expires_at > :now', { ceremony: match.ceremony, now })
      .returning(['challenge']);
    if (match.ceremony === 'authentication') query.andWhere('id = :id', { id: match.id });
    else query.andWhere('user_id = :userId AND challenge = :challenge', { userId: match.userId, challenge: match.challenge });
    const result = await query.execute();
    const rows = result.raw as Array<{ challenge: string }>;
    return rows[0]?.challenge ?? null;
  }

  @Interval(CLEANUP_INTERVAL_MS)
  deleteExpired(): Promise<number> {
    return deleteExpiredRows(this.logger, 'Expired passkey challenge', this.challenges, this.clock.now());
  }
}
