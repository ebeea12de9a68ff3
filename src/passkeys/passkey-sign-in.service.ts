import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { generateAuthenticationOptions, verifyAuthenticationResponse } from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { Repository } from 'typeorm';
import type { AuthMethod, ClientInfo } from '../common/authenticated-user';
import { Clock } from '../common/clock';
import { Metrics } from '../metrics/metrics.service';
import { AuthEventsService } from '../security-events';
import { User, UsersService } from '../users';
import { PASSKEY_CHALLENGE_TTL_MS, passkeyInvalid } from './passkey-ceremony';
import { PasskeyChallenges } from './passkey-challenges.service';
import { PasskeyUserHandle } from './passkey-user-handle.entity';
import { Passkey } from './passkey.entity';
import { PasskeysConfig, passkeysConfig } from './passkeys.config';

export interface PasskeySignInOptions {
  challengeId: string;
  options: PublicKeyCredentialRequestOptionsJSON;
}

/** Who a verified passkey signed in, and how: `hwk` and, when the authenticator verified its user, `user`. */
export interface PasskeyProof {
  user: User;
  amr: AuthMethod[];
}

/**
 * The passkey way in, up to the session: discoverable options (no email
 * asked), then the assertion checked against the stored public key, the
 * challenge, the origins, the RP ID and the signature counter. Starting the
 * session is the caller's (SessionStarter), like every other way in.
 */
@Injectable()
export class PasskeySignIn {
  constructor(
    @InjectRepository(Passkey) private readonly passkeys: Repository<Passkey>,
    @InjectRepository(PasskeyUserHandle) private readonly handles: Repository<PasskeyUserHandle>,
    private readonly challenges: PasskeyChallenges,
    private readonly users: UsersService,
    private readonly events: AuthEventsService,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    @Inject(passkeysConfig.KEY) private readonly config: PasskeysConfig,
  ) {}

  async options(): Promise<PasskeySignInOptions> {
    const options = await generateAuthenticationOptions({
      rpID: this.config.rpId,
      allowCredentials: [],
      userVerification: 'preferred',
      timeout: PASSKEY_CHALLENGE_TTL_MS,
    });
    return { challengeId: await this.challenges.keep('authentication', options.challenge, null), options };
  }

  /** Verifies the assertion; `PASSKEY_INVALID` for anything that does not hold. */
  async verify(challengeId: string, response: AuthenticationResponseJSON, client: ClientInfo): Promise<PasskeyProof> {
    const expected = await this.challenges.take({ ceremony: 'authentication', id: challengeId });
    if (!expected) throw this.refused('This sign-in has expired or was used: start again');
    const passkey = typeof response.id === 'string' ? await this.passkeys.findOneBy({ credentialId: response.id }) : null;
    if (!passkey) throw this.refused('This passkey is not registered here');
    const userHandle = response.response?.userHandle;
    if (userHandle !== undefined && userHandle !== (await this.handles.findOneBy({ userId: passkey.userId }))?.handle) {
      throw this.refused('This passkey belongs to another account');
    }
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: expected,
      expectedOrigin: this.config.origins,
      expectedRPID: this.config.rpId,
      // The counter is compared below, after the signature, so that a clone is told from a forgery.
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey), counter: 0, transports: passkey.transports as never },
      requireUserVerification: false,
    }).catch((error: Error) => {
      throw this.refused(`The passkey could not be verified: ${error.message}`);
    });
    if (!verification.verified) throw this.refused('The passkey could not be verified');
    const { newCounter, userVerified, credentialBackedUp } = verification.authenticationInfo;
    if (!(await this.advance(passkey, newCounter, credentialBackedUp))) {
      await this.events.record({ type: 'passkey_clone_suspected', userId: passkey.userId, client });
      throw this.refused('This passkey signed with a counter that did not increase: it may have been copied');
    }
    const user = await this.users.findById(passkey.userId);
    if (!user) throw this.refused('This passkey is not registered here');
    return { user, amr: userVerified ? ['hwk', 'user'] : ['hwk'] };
  }

  /**
   * Records the use, if the signature counter went up (or the authenticator
   * keeps none: both zero). One conditional update, so that two sign-ins with
   * one counter value cannot both pass.
   */
  private async advance(passkey: Passkey, newCounter: number, backedUp: boolean): Promise<boolean> {
    const result = await this.passkeys
      .createQueryBuilder()
      .update()
      .set({ counter: newCounter, backedUp, lastUsedAt: new Date(this.clock.now()) })
      .where('id = :id AND (counter < :newCounter OR (counter = 0 AND :newCounter = 0))', { id: passkey.id, newCounter })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  private refused(message: string) {
    this.metrics.logins.inc({ outcome: 'failed' });
    return passkeyInvalid(message);
  }
}
