import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import type { AuthMethod, ClientInfo } from '../common/authenticated-user';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { CLEANUP_INTERVAL_MS, deleteExpiredRows } from '../database/hourly-cleanup';
import { hashKey, newRandomKey } from '../sessions';
import { MfaChallenge } from './mfa-challenge.entity';
import { SecondFactorService } from './second-factor.service';

/** What login answers instead of a session when the account has a second factor. */
export interface MfaChallengeIssued {
  mfaRequired: true;
  mfaToken: string;
  methods: Array<'totp' | 'recovery_code'>;
  expiresIn: number;
}

/** The second step of a sign-in: a TOTP code or a recovery code. */
export type MfaProof = { code: string } | { recoveryCode: string };

export const MFA_TOKEN_TTL_SECONDS = 300;
const WRONG_CODES_PER_TOKEN = 5;

/**
 * The challenge between a first factor and a session: the MFA token (random,
 * stored hashed, bound to its user, 5 minutes, 5 wrong codes, single-use once
 * it succeeds) and its completion with a code.
 */
@Injectable()
export class MfaLogin {
  private readonly logger = new Logger(MfaLogin.name);

  constructor(
    @InjectRepository(MfaChallenge) private readonly challenges: Repository<MfaChallenge>,
    private readonly secondFactor: SecondFactorService,
    private readonly clock: Clock,
  ) {}

  /** Opens a challenge for a sign-in that used `amr`, in the caller's transaction (the one that would have started the session). */
  async challenge(userId: string, amr: AuthMethod[], manager: EntityManager): Promise<MfaChallengeIssued> {
    const mfaToken = newRandomKey();
    const now = this.clock.now();
    await manager.getRepository(MfaChallenge).insert({
      id: randomUUID(),
      tokenHash: hashKey(mfaToken),
      userId,
      amr,
      failedAttempts: 0,
      createdAt: new Date(now),
      expiresAt: new Date(now + MFA_TOKEN_TTL_SECONDS * 1000),
      consumedAt: null,
    });
    return { mfaRequired: true, mfaToken, methods: ['totp', 'recovery_code'], expiresIn: MFA_TOKEN_TTL_SECONDS };
  }

  /**
   * Checks the code against the challenge's user; answers who signed in and
   * with which methods, the token used up. `MFA_TOKEN_INVALID` for a token
   * that is unknown, used, expired or spent; `MFA_CODE_INVALID` for a wrong
   * code (counted against the token and the account); `RATE_LIMITED` while
   * the account's second factor is locked.
   */
  async complete(mfaToken: string, proof: MfaProof, client: ClientInfo): Promise<{ userId: string; amr: AuthMethod[] }> {
    const challenge = await this.challenges.findOneBy({ tokenHash: hashKey(mfaToken) });
    if (!challenge || !this.isLive(challenge)) throw invalidToken();
    const [code, kind] = 'code' in proof ? [proof.code, 'totp' as const] : [proof.recoveryCode, 'recovery_code' as const];
    const method = await this.secondFactor
      .verify({
        userId: challenge.userId,
        code,
        kind,
        client,
        alongside: async (manager, accepted) => {
          const spent = await this.spend(challenge.id, accepted, manager);
          if (accepted && !spent) throw invalidToken();
        },
      })
      .catch((error: unknown) => {
        // The factor was removed since the challenge began (an operator's reset): nothing left to complete.
        throw error instanceof AppError && error.code === 'NOT_FOUND' ? invalidToken() : error;
      });
    return { userId: challenge.userId, amr: [...challenge.amr, method] };
  }

  /** Ends the user's open challenges, in the caller's transaction (their second factor is gone). */
  async endAllOf(userId: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(MfaChallenge).delete({ userId });
  }

  /** Removes challenges past their expiry, so that the table does not grow without bound. */
  @Interval(CLEANUP_INTERVAL_MS)
  deleteExpired(): Promise<number> {
    return deleteExpiredRows(this.logger, 'Expired MFA challenge', this.challenges, this.clock.now());
  }

  private isLive(challenge: MfaChallenge): boolean {
    return challenge.consumedAt === null && challenge.failedAttempts < WRONG_CODES_PER_TOKEN && challenge.expiresAt.getTime() > this.clock.now();
  }

  /** Uses the token up (accepted), or counts a wrong code against it; false when it was no longer live. */
  private async spend(id: string, accepted: boolean, manager: EntityManager): Promise<boolean> {
    const now = new Date(this.clock.now());
    const result = await manager
      .createQueryBuilder()
      .update(MfaChallenge)
      .set(accepted ? { consumedAt: now } : { failedAttempts: () => 'failed_attempts + 1' })
      .where('id = :id AND consumed_at IS NULL AND failed_attempts < :most AND expires_at > :now', { id, most: WRONG_CODES_PER_TOKEN, now })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}

function invalidToken(): AppError {
  return new AppError('MFA_TOKEN_INVALID', 'This sign-in has expired or was completed already: sign in again');
}
