import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { toString as qrCodeSvg } from 'qrcode';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import type { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { transactionWithRetry } from '../database/transactions';
import { MAIL_KINDS, MailOutbox } from '../mail';
import { AuthEventsService } from '../security-events';
import { KeyStoreService, RevokedReason, SessionsService, UserPresence } from '../sessions';
import { User, UsersService } from '../users';
import { MfaConfig, mfaConfig } from './mfa.config';
import { MfaKeys } from './mfa-keys.service';
import { MfaLogin } from './mfa-login.service';
import { MfaMails } from './mfa-mails';
import { canonicalRecoveryCode, newRecoveryCodes } from './recovery-codes';
import { RecoveryCode } from './recovery-code.entity';
import { SecondFactorService } from './second-factor.service';
import { TotpFactor } from './totp-factor.entity';
import { matchingStep, newTotpSecret, otpauthUri } from './totp';

export interface MfaStatus {
  totp: { enabled: boolean; createdAt: Date | null };
  recoveryCodesRemaining: number;
}

export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
  qrCodeSvg: string;
}

/**
 * A user's own second factor: enrolment (with the password), confirmation,
 * disabling and new recovery codes (with an `aal2` session and a code), and
 * an operator's reset. Each change secures the account as a new password
 * does: other sessions end and mailed tokens are void.
 */
@Injectable()
export class MfaService implements OnModuleInit {
  constructor(
    @InjectRepository(TotpFactor) private readonly factors: Repository<TotpFactor>,
    @InjectRepository(RecoveryCode) private readonly codes: Repository<RecoveryCode>,
    private readonly keys: MfaKeys,
    private readonly secondFactor: SecondFactorService,
    private readonly login: MfaLogin,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly keyStore: KeyStoreService,
    private readonly presence: UserPresence,
    private readonly events: AuthEventsService,
    private readonly outbox: MailOutbox,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(mfaConfig.KEY) private readonly config: MfaConfig,
  ) {}

  onModuleInit(): void {
    const notices = [
      [MAIL_KINDS.mfaEnabled, MfaMails.mfaEnabled],
      [MAIL_KINDS.mfaDisabled, MfaMails.mfaDisabled],
      [MAIL_KINDS.mfaLocked, MfaMails.mfaLocked],
      [MAIL_KINDS.mfaReset, MfaMails.mfaReset],
      [MAIL_KINDS.recoveryCodeUsed, MfaMails.recoveryCodeUsed],
      [MAIL_KINDS.recoveryCodesRegenerated, MfaMails.recoveryCodesRegenerated],
    ] as const;
    for (const [kind, compose] of notices) this.outbox.composeWith(kind, async (mail) => compose(mail.recipient));
  }

  async status(userId: string): Promise<MfaStatus> {
    const [factor, recoveryCodesRemaining] = await Promise.all([
      this.factors.findOne({ where: { userId }, select: { userId: true, enabledAt: true } }),
      this.codes.countBy({ userId, usedAt: IsNull() }),
    ]);
    const enabledAt = factor?.enabledAt ?? null;
    return { totp: { enabled: enabledAt !== null, createdAt: enabledAt }, recoveryCodesRemaining: enabledAt ? recoveryCodesRemaining : 0 };
  }

  /** A new pending secret (replacing an earlier pending one), once the user is confirmed present (the password, or a recent sign-in). */
  async startEnrolment(user: AuthenticatedUser, password: string | undefined): Promise<TotpEnrolment> {
    const { email } = await this.presence.confirm(user, password);
    const secret = newTotpSecret();
    const now = new Date(this.clock.now());
    // Replaces a pending enrolment, never an enabled one (a concurrent confirmation included).
    const rows: unknown[] = await this.dataSource.query(
      `WITH pending AS (
         INSERT INTO mfa_totp (user_id, secret, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = EXCLUDED.created_at, last_used_step = NULL
          WHERE mfa_totp.enabled_at IS NULL
         RETURNING user_id
       )
       SELECT user_id FROM pending`,
      [user.id, this.keys.seal(secret, user.id), now],
    );
    if (rows.length === 0) throw alreadyEnabled();
    const uri = otpauthUri(this.config.issuer, email, secret);
    return { secret, otpauthUri: uri, qrCodeSvg: await qrCodeSvg(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
  }

  /**
   * Enables the pending factor with a first code; answers the recovery codes
   * (shown this once). Other sessions end; this one becomes `aal2` at once.
   */
  async confirm(user: AuthenticatedUser, code: string, client: ClientInfo): Promise<string[]> {
    const factor = await this.factors.findOneBy({ userId: user.id });
    if (!factor) throw new AppError('NOT_FOUND', 'No enrolment to confirm: start one with POST /users/me/mfa/totp');
    if (factor.enabledAt) throw alreadyEnabled();
    const step = matchingStep(this.keys.open(factor.secret, user.id), code, this.clock.now());
    if (step === null) throw new AppError('MFA_CODE_INVALID', 'The code is wrong or has expired: check the clock of the device');
    const recoveryCodes = newRecoveryCodes();
    await this.secure(user, 'mfa_enabled', client, async (manager, account) => {
      const enabled = await manager
        .createQueryBuilder()
        .update(TotpFactor)
        .set({ enabledAt: new Date(this.clock.now()), lastUsedStep: step })
        // The secret the code was checked against: not one a concurrent enrolment put in its place.
        .where('user_id = :userId AND enabled_at IS NULL AND secret = :secret', { userId: user.id, secret: factor.secret })
        .execute();
      if ((enabled.affected ?? 0) === 0) throw new AppError('MFA_CODE_INVALID', 'The enrolment changed meanwhile: scan the latest QR code');
      await this.replaceRecoveryCodes(user.id, recoveryCodes, manager);
      await this.users.setMfaEnabled(user.id, true, manager);
      await this.keyStore.addMethod(user.sessionId, user.id, 'otp', manager);
      await this.outbox.queue({ kind: MAIL_KINDS.mfaEnabled, to: account.email, userId: user.id }, manager);
    });
    return recoveryCodes;
  }

  /** Removes the factor and its recovery codes, with a code of it; other sessions end. */
  async disable(user: AuthenticatedUser, code: string, client: ClientInfo): Promise<void> {
    await this.secondFactor.verify({ userId: user.id, code, kind: 'either', client, sessionId: user.sessionId });
    await this.secure(user, 'mfa_disabled', client, async (manager, account) => {
      await this.remove(user.id, manager);
      await this.outbox.queue({ kind: MAIL_KINDS.mfaDisabled, to: account.email, userId: user.id }, manager);
    });
  }

  /** Ten new recovery codes, with a code of the factor; the earlier ones stop working. */
  async regenerateRecoveryCodes(user: AuthenticatedUser, code: string, client: ClientInfo): Promise<string[]> {
    await this.secondFactor.verify({ userId: user.id, code, kind: 'either', client, sessionId: user.sessionId });
    const recoveryCodes = newRecoveryCodes();
    await transactionWithRetry(this.dataSource, async (manager) => {
      const account = await this.users.lockInTransaction(user.id, manager);
      if (!account?.mfaEnabled) throw new AppError('NOT_FOUND', 'This account has no second factor');
      await this.replaceRecoveryCodes(user.id, recoveryCodes, manager);
      await this.users.voidPendingTokens(user.id, manager);
      await this.events.record({ type: 'recovery_codes_regenerated', userId: user.id, sessionId: user.sessionId, client }, manager);
      await this.outbox.queue({ kind: MAIL_KINDS.recoveryCodesRegenerated, to: account.email, userId: user.id }, manager);
    });
    return recoveryCodes;
  }

  /**
   * When both the device and the codes are lost: removes the second factor
   * and ends every session (an operator's command or an admin). False when
   * the account had none. `alongside` runs in the same transaction (the
   * audit entry that records who did it).
   */
  async reset(userId: string, client: ClientInfo, alongside?: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    await this.users.getById(userId);
    // A pending enrolment counts: it is a factor on its way in.
    if (!(await this.factors.existsBy({ userId }))) return false;
    await this.sessions.secureAccount(userId, { reason: 'mfa_reset', event: 'mfa_reset', client }, async (manager) => {
      const account = await this.users.lockInTransaction(userId, manager);
      if (!account) throw new AppError('NOT_FOUND', 'No such user');
      await this.remove(userId, manager);
      await this.outbox.queue({ kind: MAIL_KINDS.mfaReset, to: account.email, userId }, manager);
      await alongside?.(manager);
    });
    return true;
  }

  /** A change of the factor, made as securing the account: every other session ends and mailed tokens are void. */
  private secure(
    user: AuthenticatedUser,
    change: Extract<RevokedReason, 'mfa_enabled' | 'mfa_disabled'>,
    client: ClientInfo,
    work: (manager: EntityManager, account: User) => Promise<void>,
  ) {
    const securing = { reason: change, event: change, client, sessionId: user.sessionId, keepSessionId: user.sessionId };
    return this.sessions.secureAccount(user.id, securing, async (manager) => {
      const account = await this.users.lockInTransaction(user.id, manager);
      if (!account) throw new AppError('NOT_FOUND', 'No such user');
      if (change === 'mfa_disabled' && !account.mfaEnabled) throw new AppError('NOT_FOUND', 'This account has no second factor');
      await work(manager, account);
    });
  }

  private async remove(userId: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(TotpFactor).delete({ userId });
    await manager.getRepository(RecoveryCode).delete({ userId });
    await this.login.endAllOf(userId, manager);
    await this.users.setMfaEnabled(userId, false, manager);
  }

  private async replaceRecoveryCodes(userId: string, codes: string[], manager: EntityManager): Promise<void> {
    const createdAt = new Date(this.clock.now());
    await manager.getRepository(RecoveryCode).delete({ userId });
    await manager
      .getRepository(RecoveryCode)
      .insert(codes.map((code) => ({ userId, codeHash: this.keys.recoveryCodeHash(userId, canonicalRecoveryCode(code)!), usedAt: null, createdAt })));
  }
}

function alreadyEnabled(): AppError {
  return new AppError('MFA_ALREADY_ENABLED', 'This account already has a second factor: disable it first to enrol a new one');
}
