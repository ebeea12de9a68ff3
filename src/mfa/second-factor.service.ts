import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AuthMethod, ClientInfo } from '../common/authenticated-user';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { transactionWithRetry } from '../database/transactions';
import { MAIL_KINDS, MailOutbox } from '../mail';
import { AuthEventsService } from '../security-events';
import { accountDisabled, User, UsersService } from '../users';
import { MfaKeys } from './mfa-keys.service';
import { canonicalRecoveryCode } from './recovery-codes';
import { RecoveryCode } from './recovery-code.entity';
import { TotpFactor } from './totp-factor.entity';
import { isTotpCode, matchingStep } from './totp';

export type SecondFactorMethod = Extract<AuthMethod, 'otp' | 'recovery_code'>;

/** What a code may be: `code` at login is a TOTP code, `recoveryCode` a recovery code; the account routes take either in `code`. */
export type CodeKind = 'totp' | 'recovery_code' | 'either';

export interface CodeAttempt {
  userId: string;
  code: string;
  kind: CodeKind;
  client: ClientInfo;
  /** The session that asks, when signed in (recorded with the events). */
  sessionId?: string;
  /**
   * Runs in the verification's transaction with its outcome: a login
   * consumes its MFA token there, or counts a wrong code against it.
   */
  alongside?: (manager: EntityManager, accepted: boolean) => Promise<void>;
}

const LOCK_AFTER_FAILURES = 10;
const FAILURE_WINDOW = '15 minutes';
const LOCK_MS = 15 * 60_000;

/**
 * Checks TOTP and recovery codes against a user's enabled factor, one
 * attempt per account at a time (under the user's lock), so that neither the
 * replay check nor the lockout can be raced: a time step at or before the last
 * one used is refused, a recovery code works once, and the tenth wrong code
 * within 15 minutes (from any IP, through any MFA token) locks the factor for
 * 15 minutes.
 */
@Injectable()
export class SecondFactorService {
  constructor(
    private readonly keys: MfaKeys,
    private readonly users: UsersService,
    private readonly events: AuthEventsService,
    private readonly outbox: MailOutbox,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * The method the code proved; `NOT_FOUND` when the user has no enabled
   * factor, `RATE_LIMITED` while it is locked, `MFA_CODE_INVALID` for a
   * wrong, replayed or used code (recorded, and counted towards the lockout).
   */
  async verify(attempt: CodeAttempt): Promise<SecondFactorMethod> {
    const now = this.clock.now();
    const outcome = await transactionWithRetry(this.dataSource, async (manager) => {
      const user = await this.users.lockInTransaction(attempt.userId, manager);
      const factor = user && (await manager.getRepository(TotpFactor).findOne({ where: { userId: user.id }, lock: { mode: 'pessimistic_write' } }));
      if (!user || !factor?.enabledAt) return { result: 'no_factor' as const };
      // Before the code is looked at: a refused sign-in must not use up a recovery code.
      if (user.disabled) return { result: 'disabled' as const };
      if (factor.lockedUntil && factor.lockedUntil.getTime() > now) return { result: 'locked' as const, until: factor.lockedUntil.getTime() };
      const method = await this.accept(user, factor, attempt, now, manager);
      await attempt.alongside?.(manager, method !== null);
      if (method) return { result: 'accepted' as const, method };
      const lockedUntil = await this.recordFailure(user, attempt, now, manager);
      return { result: 'wrong' as const, lockedUntil };
    });
    switch (outcome.result) {
      case 'accepted':
        return outcome.method;
      case 'no_factor':
        throw new AppError('NOT_FOUND', 'This account has no second factor');
      case 'disabled':
        throw accountDisabled();
      case 'locked':
        throw lockedError(outcome.until, now);
      case 'wrong':
        throw new AppError('MFA_CODE_INVALID', 'The code is wrong, was used already, or has expired');
    }
  }

  private async accept(user: User, factor: TotpFactor, attempt: CodeAttempt, now: number, manager: EntityManager): Promise<SecondFactorMethod | null> {
    if (attempt.kind !== 'recovery_code' && isTotpCode(attempt.code)) {
      const step = matchingStep(this.keys.open(factor.secret, user.id), attempt.code, now);
      if (step === null || (factor.lastUsedStep !== null && step <= factor.lastUsedStep)) return null;
      await manager.getRepository(TotpFactor).update({ userId: user.id }, { lastUsedStep: step });
      return 'otp';
    }
    if (attempt.kind === 'totp') return null;
    const canonical = canonicalRecoveryCode(attempt.code);
    if (!canonical) return null;
    const used = await manager
      .getRepository(RecoveryCode)
      .createQueryBuilder()
      .update()
      .set({ usedAt: new Date(now) })
      .where('user_id = :userId AND code_hash = :hash AND used_at IS NULL', { userId: user.id, hash: this.keys.recoveryCodeHash(user.id, canonical) })
      .execute();
    if ((used.affected ?? 0) === 0) return null;
    await this.events.record({ type: 'recovery_code_used', userId: user.id, sessionId: attempt.sessionId, client: attempt.client }, manager);
    await this.outbox.queue({ kind: MAIL_KINDS.recoveryCodeUsed, to: user.email, userId: user.id }, manager);
    return 'recovery_code';
  }

  /** Records a wrong code; the tenth within the window locks the factor (returns until when). */
  private async recordFailure(user: User, attempt: CodeAttempt, now: number, manager: EntityManager): Promise<number | null> {
    const at = new Date(now);
    const [{ failures }]: Array<{ failures: number }> = await manager.query(
      `WITH counted AS (
         UPDATE mfa_totp
            SET recent_failures = array_append(ARRAY(SELECT failed FROM unnest(recent_failures) failed WHERE failed > $2::timestamptz - interval '${FAILURE_WINDOW}'), $2::timestamptz)
          WHERE user_id = $1
         RETURNING cardinality(recent_failures) AS failures
       )
       SELECT failures FROM counted`,
      [user.id, at],
    );
    const context = { userId: user.id, sessionId: attempt.sessionId, client: attempt.client };
    await this.events.record({ type: 'mfa_failed', ...context }, manager);
    if (Number(failures) < LOCK_AFTER_FAILURES) return null;
    const lockedUntil = new Date(now + LOCK_MS);
    await manager.query(`UPDATE mfa_totp SET recent_failures = '{}', locked_until = $2 WHERE user_id = $1`, [user.id, lockedUntil]);
    await this.events.record({ type: 'mfa_locked', ...context }, manager);
    await this.outbox.queue({ kind: MAIL_KINDS.mfaLocked, to: user.email, userId: user.id }, manager);
    return lockedUntil.getTime();
  }
}

function lockedError(until: number, now: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil((until - now) / 1000));
  return new AppError('RATE_LIMITED', 'Too many wrong codes: the second factor of this account is locked for a while', { retryAfterSeconds });
}
