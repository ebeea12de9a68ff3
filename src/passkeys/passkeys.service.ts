import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { transactionWithRetry } from '../database/transactions';
import { MAIL_KINDS, MailOutbox } from '../mail';
import { AuthEventsService } from '../security-events';
import { assertSecondFactorUsed, UserPresence } from '../sessions';
import { SignInMethods, User, UsersService } from '../users';
import { PASSKEY_ALGORITHMS, PASSKEY_CHALLENGE_TTL_MS, passkeyInvalid } from './passkey-ceremony';
import { PasskeyChallenges } from './passkey-challenges.service';
import { PasskeyMails } from './passkey-mails';
import { PasskeyUserHandle } from './passkey-user-handle.entity';
import { Passkey } from './passkey.entity';
import { PasskeysConfig, passkeysConfig } from './passkeys.config';

export const DEFAULT_PASSKEY_NAME = 'Passkey';

/**
 * A user's own passkeys: registration (a new way in, so it needs the password
 * and, on an account with a second factor, an `aal2` session), the list,
 * renaming and removal.
 */
@Injectable()
export class PasskeysService implements OnModuleInit {
  constructor(
    @InjectRepository(Passkey) private readonly passkeys: Repository<Passkey>,
    @InjectRepository(PasskeyUserHandle) private readonly handles: Repository<PasskeyUserHandle>,
    private readonly challenges: PasskeyChallenges,
    private readonly users: UsersService,
    private readonly presence: UserPresence,
    private readonly signInMethods: SignInMethods,
    private readonly events: AuthEventsService,
    private readonly outbox: MailOutbox,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(passkeysConfig.KEY) private readonly config: PasskeysConfig,
  ) {}

  onModuleInit(): void {
    this.outbox.composeWith(MAIL_KINDS.passkeyAdded, async (mail) => PasskeyMails.passkeyAdded(mail.recipient));
    this.outbox.composeWith(MAIL_KINDS.passkeyRemoved, async (mail) => PasskeyMails.passkeyRemoved(mail.recipient));
    this.signInMethods.register('passkeys', (userId, manager) => manager.getRepository(Passkey).countBy({ userId }));
  }

  /** Options for `navigator.credentials.create()`, once the user is confirmed present; the challenge waits 5 minutes for the answer. */
  async registrationOptions(user: AuthenticatedUser, password: string | undefined): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const account = await this.presence.confirm(user, password);
    assertSecondFactorUsed(account, user, 'change its passkeys');
    const [handle, existing] = await Promise.all([
      this.userHandle(user.id),
      this.passkeys.find({ where: { userId: user.id }, select: { credentialId: true, transports: true } }),
    ]);
    const options = await generateRegistrationOptions({
      rpName: this.config.rpName,
      rpID: this.config.rpId,
      userName: account.email,
      userID: isoBase64URL.toBuffer(handle),
      userDisplayName: account.name || account.email,
      timeout: PASSKEY_CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports as never })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
    await this.challenges.keep('registration', options.challenge, user.id);
    return options;
  }

  /** Verifies the authenticator's answer to this user's options and adds the passkey. */
  async register(user: AuthenticatedUser, response: RegistrationResponseJSON, name: string | undefined, client: ClientInfo): Promise<Passkey> {
    const account = await this.users.getById(user.id);
    assertSecondFactorUsed(account, user, 'change its passkeys');
    const challenge = challengeOf(response);
    const expected = challenge && (await this.challenges.take({ ceremony: 'registration', userId: user.id, challenge }));
    if (!expected) throw registrationInvalid('These options have expired, were used, or were not made for this account: ask for new ones');
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: expected,
      expectedOrigin: this.config.origins,
      expectedRPID: this.config.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    }).catch((error: Error) => {
      throw registrationInvalid(`The passkey could not be verified: ${error.message}`);
    });
    if (!verification.verified) throw registrationInvalid('The passkey could not be verified');
    const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
    return transactionWithRetry(this.dataSource, async (manager) => {
      const owner = await this.lockOwner(user.id, manager);
      const passkey = manager.getRepository(Passkey).create({
        userId: user.id,
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports ?? [],
        deviceType: credentialDeviceType,
        backedUp: credentialBackedUp,
        name: name ?? DEFAULT_PASSKEY_NAME,
        createdAt: new Date(this.clock.now()),
        lastUsedAt: null,
      });
      // A credential id registered already, to anyone, even by a request racing this one, adds nothing.
      const inserted = await manager.createQueryBuilder().insert().into(Passkey).values(passkey).orIgnore().returning(['id']).execute();
      if ((inserted.raw as unknown[]).length === 0) throw registrationInvalid('This passkey is registered already');
      await this.events.record({ type: 'passkey_added', userId: user.id, sessionId: user.sessionId, client }, manager);
      await this.outbox.queue({ kind: MAIL_KINDS.passkeyAdded, to: owner.email, userId: user.id }, manager);
      return passkey;
    });
  }

  count(userId: string): Promise<number> {
    return this.passkeys.countBy({ userId });
  }

  list(userId: string): Promise<Passkey[]> {
    return this.passkeys.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async rename(userId: string, id: string, name: string): Promise<Passkey> {
    const result = await this.passkeys.update({ id, userId }, { name });
    if ((result.affected ?? 0) === 0) throw notFound();
    const renamed = await this.passkeys.findOneBy({ id, userId });
    if (!renamed) throw notFound();
    return renamed;
  }

  /** Removes one of the user's passkeys, unless it is the account's last way in. */
  async remove(user: AuthenticatedUser, id: string, client: ClientInfo): Promise<void> {
    await transactionWithRetry(this.dataSource, async (manager) => {
      const owner = await this.lockOwner(user.id, manager);
      assertSecondFactorUsed(owner, user, 'change its passkeys');
      const repository = manager.getRepository(Passkey);
      if (!(await repository.existsBy({ id, userId: user.id }))) throw notFound();
      await this.signInMethods.assertNotLast(user.id, manager, 'This passkey');
      await repository.delete({ id, userId: user.id });
      await this.events.record({ type: 'passkey_removed', userId: user.id, sessionId: user.sessionId, client }, manager);
      await this.outbox.queue({ kind: MAIL_KINDS.passkeyRemoved, to: owner.email, userId: user.id }, manager);
    });
  }

  /** The account's user handle, made on its first registration. */
  private async userHandle(userId: string): Promise<string> {
    await this.handles
      .createQueryBuilder()
      .insert()
      .values({ userId, handle: isoBase64URL.fromBuffer(randomBytes(32)) })
      .orIgnore()
      .execute();
    const { handle } = await this.handles.findOneByOrFail({ userId });
    return handle;
  }

  private async lockOwner(userId: string, manager: EntityManager): Promise<User> {
    const owner = await this.users.lockInTransaction(userId, manager);
    if (!owner) throw new AppError('NOT_FOUND', 'No such user');
    return owner;
  }
}

/** The challenge the authenticator signed, read from clientDataJSON; null when that does not parse. */
function challengeOf(response: RegistrationResponseJSON): string | null {
  try {
    const { challenge } = decodeClientDataJSON(response.response.clientDataJSON);
    return typeof challenge === 'string' && challenge.length > 0 && challenge.length <= 64 ? challenge : null;
  } catch {
    return null;
  }
}

/** The session is fine and the submitted credential is not: 400, where a refused sign-in is 401. */
function registrationInvalid(message: string): AppError {
  return passkeyInvalid(message, 400);
}

function notFound(): AppError {
  return new AppError('NOT_FOUND', 'No such passkey');
}
