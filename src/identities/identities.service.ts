import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { AuthenticatedUser, ClientInfo } from '../common/authenticated-user';
import { Clock } from '../common/clock';
import { AppError } from '../common/error-code';
import { isUniqueViolation, transactionWithRetry } from '../database/transactions';
import { MAIL_KINDS, MailOutbox } from '../mail';
import { AuthEventsService } from '../security-events';
import { assertSecondFactorUsed, AUTH_EVENTS, UserPresence, UserRegisteredEvent } from '../sessions';
import { acceptableEmail, SignInMethods, User, UsersService } from '../users';
import { OidcProviderConfig } from './identities.config';
import { Identity } from './identity.entity';
import { IdentityMails } from './identity-mails';
import { OidcFlows, ProviderClaims, TakenFlow } from './oidc-flows.service';
import { OidcRedirectError } from './oidc-outcome';
import { OidcProviders } from './oidc-providers.service';

const NAME_MAX = 100;

/** What a provider's answer came to: a user to sign in, or an identity linked to the account that asked. */
export type ProviderOutcome = { kind: 'sign-in'; user: User } | { kind: 'linked'; userId: string };

/**
 * Identities at OpenID Connect providers, `(provider, subject)`, each linked
 * to one account. A linked identity signs its account in; an unknown one
 * makes a new account without a password, unless an account has its address
 * already: that is never linked automatically (a provider could vouch for an
 * address that is not its user's), the owner links it after signing in.
 */
@Injectable()
export class IdentitiesService implements OnModuleInit {
  private readonly logger = new Logger(IdentitiesService.name);

  constructor(
    @InjectRepository(Identity) private readonly identities: Repository<Identity>,
    private readonly providers: OidcProviders,
    private readonly flows: OidcFlows,
    private readonly users: UsersService,
    private readonly presence: UserPresence,
    private readonly signInMethods: SignInMethods,
    private readonly events: AuthEventsService,
    private readonly outbox: MailOutbox,
    private readonly dataSource: DataSource,
    private readonly emitter: EventEmitter2,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.outbox.composeWith(MAIL_KINDS.identityLinked, async (mail) => IdentityMails.identityLinked(mail.recipient));
    this.outbox.composeWith(MAIL_KINDS.identityUnlinked, async (mail) => IdentityMails.identityUnlinked(mail.recipient));
    this.signInMethods.register('identities', (userId, manager) => manager.getRepository(Identity).countBy({ userId }));
  }

  list(userId: string): Promise<Identity[]> {
    return this.identities.find({ where: { userId }, order: { linkedAt: 'ASC', id: 'ASC' } });
  }

  /**
   * The provider's authorization URL to link an identity to this account, once
   * the user is confirmed present (a new way in), with `aal2` on an account
   * with a second factor. When the provider cannot be reached, the URL leads
   * back to `returnTo` with `?error=OIDC_FAILED`, as a sign-in would.
   */
  async startLink(
    user: AuthenticatedUser,
    provider: OidcProviderConfig,
    password: string | undefined,
    flow: { binding: string; returnTo: string },
  ): Promise<string> {
    const account = await this.presence.confirm(user, password);
    assertSecondFactorUsed(account, user, 'link an identity');
    const link = { userId: user.id, securityStamp: account.securityStamp, sessionId: user.sessionId };
    try {
      return await this.flows.begin(provider, { ...flow, link });
    } catch (error) {
      if (error instanceof OidcRedirectError) return withError(flow.returnTo, error.code);
      throw error;
    }
  }

  /** The verified answer of `flow`'s provider, then the account it signs in or the link it makes. */
  async complete(provider: OidcProviderConfig, flow: TakenFlow, query: URLSearchParams, client: ClientInfo): Promise<ProviderOutcome> {
    const claims = await this.flows.answer(provider, flow, query).catch((error: Error) => {
      this.logger.warn(`Sign-in with "${provider.name}" failed: ${error.message}`);
      throw new OidcRedirectError('OIDC_FAILED', 'The provider did not sign the user in');
    });
    if (flow.linkUserId !== null) return this.link(provider, flow, claims, client);
    return this.signIn(provider, claims, client);
  }

  /** Unlinks one of the user's identities, unless it is the account's last way in. */
  async unlink(user: AuthenticatedUser, id: string, client: ClientInfo): Promise<void> {
    await transactionWithRetry(this.dataSource, async (manager) => {
      const owner = await this.users.lockInTransaction(user.id, manager);
      if (!owner) throw notFound();
      assertSecondFactorUsed(owner, user, 'unlink an identity');
      const repository = manager.getRepository(Identity);
      if (!(await repository.existsBy({ id, userId: user.id }))) throw notFound();
      await this.signInMethods.assertNotLast(user.id, manager, 'This identity');
      await repository.delete({ id, userId: user.id });
      await this.events.record({ type: 'identity_unlinked', userId: user.id, sessionId: user.sessionId, client }, manager);
      await this.outbox.queue({ kind: MAIL_KINDS.identityUnlinked, to: owner.email, userId: user.id }, manager);
    });
  }

  private async signIn(provider: OidcProviderConfig, claims: ProviderClaims, client: ClientInfo): Promise<ProviderOutcome> {
    const known = await this.accountOf(provider, claims);
    if (known) return { kind: 'sign-in', user: known };
    try {
      return { kind: 'sign-in', user: await this.createAccount(provider, claims, client) };
    } catch (error) {
      // The same new identity, answered twice at once: the other answer made the account.
      const madeMeanwhile = isUniqueViolation(error) || (error instanceof AppError && error.code === 'EMAIL_TAKEN') ? await this.accountOf(provider, claims) : null;
      if (madeMeanwhile) return { kind: 'sign-in', user: madeMeanwhile };
      if (error instanceof AppError && error.code === 'EMAIL_TAKEN') throw accountExists();
      throw error;
    }
  }

  /** The account a linked identity signs in (its shown address refreshed), or null. */
  private async accountOf(provider: OidcProviderConfig, claims: ProviderClaims): Promise<User | null> {
    const identity = await this.identities.findOneBy({ provider: provider.name, subject: claims.subject });
    if (!identity) return null;
    if (claims.email !== null && claims.email !== identity.email) await this.identities.update({ id: identity.id }, { email: claims.email.slice(0, 254) });
    return this.users.findById(identity.userId);
  }

  /** A new account without a password for an identity whose address no account has, with the identity, in one transaction. */
  private async createAccount(provider: OidcProviderConfig, claims: ProviderClaims, client: ClientInfo): Promise<User> {
    const email = claims.email === null ? null : acceptableEmail(claims.email);
    if (email === null) {
      this.logger.warn(`Sign-in with "${provider.name}": the provider gave no usable email address for a new account`);
      throw new OidcRedirectError('OIDC_FAILED', 'The provider gave no usable email address');
    }
    if (await this.users.emailTaken(email)) throw accountExists();
    const user = await this.dataSource.transaction(async (manager) => {
      const created = await this.users.create(email, null, claims.name?.slice(0, NAME_MAX), manager, { emailVerified: claims.emailVerified });
      await this.insertIdentity(manager, created.id, provider, claims);
      await this.events.record({ type: 'register', userId: created.id, client }, manager);
      if (!created.emailVerified) await this.outbox.queue({ kind: MAIL_KINDS.emailVerification, to: created.email, userId: created.id }, manager);
      return created;
    });
    this.emitter.emit(AUTH_EVENTS.userRegistered, new UserRegisteredEvent(user.id, user.email));
    return user;
  }

  /**
   * Links the identity to the account that started the flow, if that account
   * has not been secured since (a new password, signing out everywhere, ...:
   * its security stamp moved on) and no other account holds the identity.
   */
  private async link(provider: OidcProviderConfig, flow: TakenFlow, claims: ProviderClaims, client: ClientInfo): Promise<ProviderOutcome> {
    const userId = flow.linkUserId!;
    return transactionWithRetry(this.dataSource, async (manager) => {
      const owner = await this.users.lockInTransaction(userId, manager);
      if (!owner || owner.securityStamp !== flow.linkSecurityStamp) {
        throw new OidcRedirectError('REAUTHENTICATION_REQUIRED', 'The account was secured since this link was started: sign in and start again');
      }
      const holder = await manager.getRepository(Identity).findOneBy({ provider: provider.name, subject: claims.subject });
      if (holder && holder.userId !== userId) throw identityTaken();
      if (holder) return { kind: 'linked', userId };
      await this.insertIdentity(manager, userId, provider, claims).catch((error: unknown) => {
        // Linked, or made into an account, by a request racing this one.
        throw isUniqueViolation(error) ? identityTaken() : error;
      });
      await this.events.record({ type: 'identity_linked', userId, sessionId: flow.linkSessionId, client }, manager);
      await this.outbox.queue({ kind: MAIL_KINDS.identityLinked, to: owner.email, userId }, manager);
      return { kind: 'linked', userId };
    });
  }

  private async insertIdentity(manager: EntityManager, userId: string, provider: OidcProviderConfig, claims: ProviderClaims): Promise<void> {
    await manager.getRepository(Identity).insert({
      userId,
      provider: provider.name,
      subject: claims.subject,
      email: claims.email?.slice(0, 254) ?? null,
      linkedAt: new Date(this.clock.now()),
    });
  }
}

/** `url` with `error=code` added to its query (a path or an absolute URL). */
export function withError(url: string, code: string): string {
  const parsed = new URL(url, 'http://path.invalid');
  parsed.searchParams.set('error', code);
  return parsed.origin === 'http://path.invalid' ? parsed.pathname + parsed.search + parsed.hash : parsed.href;
}

function accountExists(): OidcRedirectError {
  return new OidcRedirectError('ACCOUNT_EXISTS', 'An account has this address already: sign in to it, then link the identity');
}

function identityTaken(): OidcRedirectError {
  return new OidcRedirectError('IDENTITY_TAKEN', 'Another account holds this identity');
}

function notFound(): AppError {
  return new AppError('NOT_FOUND', 'No such identity');
}
