import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  WebAuthnCredential,
} from '@simplewebauthn/server';
import { generateKeys, PasskeyAlgorithm, SoftAuthenticator, SoftCredential, TEST_ORIGIN, TEST_RP_ID } from './support/soft-authenticator';

/**
 * The software authenticator of the passkey suites, checked against
 * @simplewebauthn/server alone (no service): what it makes verifies, and each
 * forgery it offers is one the library refuses. A bug here is then never
 * taken for a bug of the service.
 */

const registrationOptionsFor = (userName: string) =>
  generateRegistrationOptions({
    rpName: 'Auth service',
    rpID: TEST_RP_ID,
    userName,
    supportedAlgorithmIDs: [-7, -257],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });

async function registered(authenticator: SoftAuthenticator, alg: PasskeyAlgorithm): Promise<{ stored: WebAuthnCredential; credential: SoftCredential }> {
  const options = await registrationOptionsFor('ann@example.com');
  const response = authenticator.register(options, { origin: TEST_ORIGIN, alg });
  const verification = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: TEST_ORIGIN, expectedRPID: TEST_RP_ID });
  if (!verification.verified) throw new Error('registration did not verify');
  return { stored: verification.registrationInfo.credential, credential: authenticator.credentials.at(-1)! };
}

async function verifySignIn(stored: WebAuthnCredential, build: (options: { challenge: string; rpId?: string }) => ReturnType<SoftAuthenticator['signIn']>) {
  const options = await generateAuthenticationOptions({ rpID: TEST_RP_ID, userVerification: 'preferred' });
  return verifyAuthenticationResponse({
    response: build(options),
    expectedChallenge: options.challenge,
    expectedOrigin: TEST_ORIGIN,
    expectedRPID: TEST_RP_ID,
    credential: stored,
    requireUserVerification: false,
  });
}

describe('the software authenticator, against @simplewebauthn/server', () => {
  it.each<PasskeyAlgorithm>(['ES256', 'RS256'])(
    'makes a %s credential whose none attestation verifies, with its key, the UV flag and the backup flags',
    async (alg) => {
      const authenticator = new SoftAuthenticator();
      const options = await registrationOptionsFor('ann@example.com');
      const response = authenticator.register(options, { origin: TEST_ORIGIN, alg, backedUp: true });
      const verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: TEST_ORIGIN,
        expectedRPID: TEST_RP_ID,
      });

      expect(verification.verified).toBe(true);
      expect(verification.registrationInfo).toEqual(
        expect.objectContaining({ fmt: 'none', userVerified: true, credentialDeviceType: 'multiDevice', credentialBackedUp: true, rpID: TEST_RP_ID }),
      );
      expect(verification.registrationInfo!.credential).toEqual(expect.objectContaining({ id: response.id, counter: 0 }));
      expect(response.response.publicKeyAlgorithm).toBe(alg === 'ES256' ? -7 : -257);
      expect(authenticator.credentials).toEqual([expect.objectContaining({ id: response.id, algorithm: alg, userHandle: options.user.id, rpId: TEST_RP_ID })]);
    },
  );

  it.each<PasskeyAlgorithm>(['ES256', 'RS256'])(
    'signs %s assertions that verify, with the counter moving on and the user handle of the registration',
    async (alg) => {
      const authenticator = new SoftAuthenticator();
      const { stored, credential } = await registered(authenticator, alg);
      let verification = await verifySignIn(stored, (options) => authenticator.signIn(options, { origin: TEST_ORIGIN }));
      expect(verification).toEqual(expect.objectContaining({ verified: true, authenticationInfo: expect.objectContaining({ newCounter: 1, userVerified: true }) }));

      verification = await verifySignIn({ ...stored, counter: 1 }, (options) => {
        const response = authenticator.signIn(options, { origin: TEST_ORIGIN, userVerified: false });
        expect(response.response.userHandle).toBe(credential.userHandle);
        return response;
      });
      expect(verification.authenticationInfo).toEqual(expect.objectContaining({ newCounter: 2, userVerified: false }));
    },
  );

  it('registration forgeries are refused: another origin, another RP ID, no user verification, another challenge, a sign-in type', async () => {
    const authenticator = new SoftAuthenticator();
    const options = await registrationOptionsFor('ann@example.com');
    const verify = (forged: Partial<Parameters<SoftAuthenticator['register']>[1]>) =>
      verifyRegistrationResponse({
        response: authenticator.register(options, { origin: TEST_ORIGIN, ...forged }),
        expectedChallenge: options.challenge,
        expectedOrigin: TEST_ORIGIN,
        expectedRPID: TEST_RP_ID,
      });
    await expect(verify({ origin: 'https://evil.example.test' })).rejects.toThrow(/origin/i);
    await expect(verify({ rpId: 'evil.example.test' })).rejects.toThrow(/RP ID/i);
    await expect(verify({ userVerified: false })).rejects.toThrow(/verif/i);
    await expect(verify({ challenge: 'c29tZS1vdGhlci1jaGFsbGVuZ2U' })).rejects.toThrow(/challenge/i);
    await expect(verify({ type: 'webauthn.get' })).rejects.toThrow(/type/i);
  });

  it('sign-in forgeries are refused: another origin, another RP ID, another key, a counter that does not move on, another challenge', async () => {
    const authenticator = new SoftAuthenticator();
    const { stored } = await registered(authenticator, 'ES256');
    const storedAt5 = { ...stored, counter: 5 };

    await expect(verifySignIn(stored, (options) => authenticator.signIn(options, { origin: 'https://evil.example.test' }))).rejects.toThrow(/origin/i);
    await expect(verifySignIn(stored, (options) => authenticator.signIn(options, { origin: TEST_ORIGIN, rpId: 'evil.example.test' }))).rejects.toThrow(/RP ID/i);
    const otherKey = generateKeys('ES256').privateKey;
    expect((await verifySignIn(stored, (options) => authenticator.signIn(options, { origin: TEST_ORIGIN, signingKey: otherKey }))).verified).toBe(false);
    await expect(verifySignIn(storedAt5, (options) => authenticator.signIn(options, { origin: TEST_ORIGIN, counter: 3 }))).rejects.toThrow(/counter/i);
    await expect(verifySignIn(storedAt5, (options) => authenticator.signIn(options, { origin: TEST_ORIGIN, counter: 5 }))).rejects.toThrow(/counter/i);
    await expect(verifySignIn(stored, (options) => authenticator.signIn(options, { origin: TEST_ORIGIN, challenge: 'b3RoZXI' }))).rejects.toThrow(/challenge/i);
  });

  it('re-attests a credential it holds (same id), and answers with an unregistered one when asked', async () => {
    const authenticator = new SoftAuthenticator();
    const { credential } = await registered(authenticator, 'RS256');
    const again = authenticator.register(await registrationOptionsFor('ann@example.com'), { origin: TEST_ORIGIN, credential });
    expect(again.id).toBe(credential.id);
    expect(authenticator.credentials).toHaveLength(1);

    const stranger = new SoftAuthenticator();
    stranger.register(await registrationOptionsFor('eve@example.com'), { origin: TEST_ORIGIN });
    const options = await generateAuthenticationOptions({ rpID: TEST_RP_ID });
    expect(stranger.signIn(options, { origin: TEST_ORIGIN }).id).toBe(stranger.credentials[0].id);
  });
});
