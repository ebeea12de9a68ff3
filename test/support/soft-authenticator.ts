import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { cose, isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';
import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import { ApiClient, ApiResponse } from './api-client';
import { expectStatus } from './totp';
import type { Service } from './users';

export type PasskeyAlgorithm = 'ES256' | 'RS256';

const COSE_ALGORITHM: Record<PasskeyAlgorithm, number> = { ES256: cose.COSEALG.ES256, RS256: cose.COSEALG.RS256 };

/** Authenticator data flags (WebAuthn §6.1). */
const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 };

/** What a passkey holds: the key pair, the credential id, the user handle it was made for and its signature counter. */
export interface SoftCredential {
  /** base64url, as `id` and `rawId` carry it. */
  id: string;
  algorithm: PasskeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  rpId: string;
  /** base64url: `user.id` of the creation options. */
  userHandle: string;
  counter: number;
}

interface Ceremony {
  /** The origin the "browser" puts in clientDataJSON. */
  origin: string;
  /** The RP ID hashed into the authenticator data; default the options' RP ID. */
  rpId?: string;
  /** The UV flag; default true (a passkey that verified the user). */
  userVerified?: boolean;
  /** The challenge of clientDataJSON; default the options' challenge. */
  challenge?: string;
  /** clientDataJSON's type; default `webauthn.create` / `webauthn.get`. */
  type?: string;
  /** The BE and BS flags (a synced passkey); default false. */
  backedUp?: boolean;
}

export interface RegisterOptions extends Ceremony {
  /** The key type; default the first of the options' pubKeyCredParams that this authenticator supports. */
  alg?: PasskeyAlgorithm;
  /** The counter in the authenticator data, and where the credential's counter starts; default 0. */
  counter?: number;
  /** Attest this existing credential again (same id and key) instead of making a new one. */
  credential?: SoftCredential;
}

export interface SignInOptions extends Ceremony {
  /** The counter to put in the authenticator data; default the credential's counter plus one. */
  counter?: number;
  /** Which credential answers; default the newest one made for the RP ID. */
  credential?: SoftCredential;
  /** The userHandle of the response; default the credential's. */
  userHandle?: string;
  /** Sign with this private key instead of the credential's (another key's signature). */
  signingKey?: KeyObject;
  /** The credential id the response names; default the credential's (an unknown one forges an unknown credential). */
  credentialId?: string;
}

/**
 * A software authenticator ("a phone with passkeys" in a test): makes ES256
 * and RS256 credentials with node:crypto, attests them with the `none`
 * format, keeps them, and signs assertions with them the way WebAuthn says
 * (signature over authenticatorData || SHA-256(clientDataJSON); ES256 as DER,
 * RS256 as PKCS#1 v1.5). Every part of a response can be forged on request.
 */
export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  register(options: PublicKeyCredentialCreationOptionsJSON, ceremony: RegisterOptions): RegistrationResponseJSON {
    const rpId = ceremony.rpId ?? options.rp.id;
    if (!rpId) throw new Error('the creation options name no RP ID and the test gave none');
    const credential = ceremony.credential ?? this.newCredential(options, rpId, ceremony.alg);
    credential.counter = ceremony.counter ?? credential.counter;
    const rawId = isoBase64URL.toBuffer(credential.id);
    const attested = Buffer.concat([Buffer.alloc(16), uint16(rawId.length), rawId, Buffer.from(coseKey(credential))]);
    const authData = Buffer.concat([authenticatorData(rpId, FLAG.AT | flags(ceremony), credential.counter), attested]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, never>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, never>()],
        ['authData', authData],
      ]),
    );
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: { credProps: { rk: true } },
      response: {
        clientDataJSON: clientData(ceremony.type ?? 'webauthn.create', ceremony.challenge ?? options.challenge, ceremony.origin),
        attestationObject: isoBase64URL.fromBuffer(attestationObject),
        authenticatorData: authData.toString('base64url'),
        transports: ['internal', 'hybrid'],
        publicKeyAlgorithm: COSE_ALGORITHM[credential.algorithm],
        publicKey: credential.publicKey.export({ type: 'spki', format: 'der' }).toString('base64url'),
      },
    };
  }

  signIn(options: PublicKeyCredentialRequestOptionsJSON, ceremony: SignInOptions): AuthenticationResponseJSON {
    const credential = ceremony.credential ?? this.newestFor(options.rpId);
    const rpId = ceremony.rpId ?? options.rpId ?? credential.rpId;
    const counter = ceremony.counter ?? credential.counter + 1;
    credential.counter = counter;
    const authData = authenticatorData(rpId, flags(ceremony), counter);
    const clientDataJSON = clientData(ceremony.type ?? 'webauthn.get', ceremony.challenge ?? options.challenge, ceremony.origin);
    const signed = Buffer.concat([authData, sha256(isoBase64URL.toBuffer(clientDataJSON))]);
    const id = ceremony.credentialId ?? credential.id;
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        signature: sign('sha256', signed, ceremony.signingKey ?? credential.privateKey).toString('base64url'),
        userHandle: ceremony.userHandle ?? credential.userHandle,
      },
    };
  }

  private newCredential(options: PublicKeyCredentialCreationOptionsJSON, rpId: string, wanted?: PasskeyAlgorithm): SoftCredential {
    const offered = options.pubKeyCredParams.map((param) => param.alg);
    const algorithm = wanted ?? (['ES256', 'RS256'] as const).find((candidate) => offered.includes(COSE_ALGORITHM[candidate]));
    if (!algorithm) throw new Error(`the options offer no algorithm this authenticator has: ${JSON.stringify(offered)}`);
    const { privateKey, publicKey } = generateKeys(algorithm);
    const credential: SoftCredential = {
      id: isoBase64URL.fromBuffer(randomBytes(32)),
      algorithm,
      privateKey,
      publicKey,
      rpId,
      userHandle: options.user.id,
      counter: 0,
    };
    this.credentials.push(credential);
    return credential;
  }

  private newestFor(rpId: string | undefined): SoftCredential {
    const found = this.credentials.filter((credential) => rpId === undefined || credential.rpId === rpId).at(-1);
    if (!found) throw new Error(`this authenticator holds no credential for ${rpId}`);
    return found;
  }
}

/** A key pair of `algorithm` (P-256, or RSA 2048 with e = 65537). */
export function generateKeys(algorithm: PasskeyAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  return algorithm === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function flags(ceremony: Ceremony): number {
  return FLAG.UP | (ceremony.userVerified === false ? 0 : FLAG.UV) | (ceremony.backedUp ? FLAG.BE | FLAG.BS : 0);
}

function authenticatorData(rpId: string, flagBits: number, counter: number): Buffer {
  const counterBytes = Buffer.alloc(4);
  counterBytes.writeUInt32BE(counter);
  return Buffer.concat([sha256(Buffer.from(rpId, 'utf8')), Buffer.from([flagBits]), counterBytes]);
}

function clientData(type: string, challenge: string, origin: string): string {
  return isoBase64URL.fromUTF8String(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

/** The credential's public key as a COSE_Key (RFC 9053): EC2 P-256 or RSA. */
function coseKey(credential: SoftCredential): Uint8Array {
  const jwk = credential.publicKey.export({ format: 'jwk' });
  const bytes = (value: string | undefined) => Buffer.from(value ?? '', 'base64url');
  const entries: Array<[number, number | Uint8Array]> =
    credential.algorithm === 'ES256'
      ? [
          [cose.COSEKEYS.kty, cose.COSEKTY.EC2],
          [cose.COSEKEYS.alg, cose.COSEALG.ES256],
          [cose.COSEKEYS.crv, cose.COSECRV.P256],
          [cose.COSEKEYS.x, bytes(jwk.x)],
          [cose.COSEKEYS.y, bytes(jwk.y)],
        ]
      : [
          [cose.COSEKEYS.kty, cose.COSEKTY.RSA],
          [cose.COSEKEYS.alg, cose.COSEALG.RS256],
          [cose.COSEKEYS.n, bytes(jwk.n)],
          [cose.COSEKEYS.e, bytes(jwk.e)],
        ];
  return isoCBOR.encode(new Map(entries));
}

function uint16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The relying party of the passkey suites: a browser page on http://localhost:3000 (a secure context, an RP ID that is a domain). */
export const TEST_ORIGIN = 'http://localhost:3000';
export const TEST_RP_ID = 'localhost';
export const TEST_RELYING_PARTY = { WEBAUTHN_RP_ID: TEST_RP_ID, WEBAUTHN_ORIGINS: TEST_ORIGIN };

export const PASSKEYS = '/api/v1/users/me/passkeys';
export const PASSKEY_OPTIONS = `${PASSKEYS}/options`;
export const SIGN_IN_OPTIONS = '/api/v1/auth/passkey/options';
export const PASSKEY_LOGIN = '/api/v1/auth/passkey/login';

/** An item of GET /users/me/passkeys. */
export interface PasskeyItem {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp: boolean;
}

/** POST /users/me/passkeys/options with the password; throws unless 200. */
export async function registrationOptions(client: ApiClient, password: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return expectStatus('passkey options', await client.post(PASSKEY_OPTIONS, { password }), 200).body;
}

/**
 * Adds a passkey made by `authenticator` (on TEST_ORIGIN unless `ceremony` says
 * otherwise) to the account `client` is signed in as; throws unless 201.
 */
/** GET /users/me/passkeys, which must answer 200. */
export async function passkeysOf(client: ApiClient): Promise<PasskeyItem[]> {
  return expectStatus('list passkeys', await client.get(PASSKEYS), 200).body;
}

export async function addPasskey(
  client: ApiClient,
  password: string,
  authenticator: SoftAuthenticator,
  ceremony: Partial<RegisterOptions> & { name?: string } = {},
): Promise<{ passkey: PasskeyItem; credential: SoftCredential; response: ApiResponse }> {
  const { name, ...rest } = ceremony;
  const options = await registrationOptions(client, password);
  const registration = authenticator.register(options, { origin: TEST_ORIGIN, ...rest });
  const response = expectStatus('add passkey', await client.post(PASSKEYS, { response: registration, ...(name === undefined ? {} : { name }) }), 201);
  return { passkey: response.body, credential: authenticator.credentials.find((credential) => credential.id === registration.id)!, response };
}

/** POST /auth/passkey/options; throws unless 200. */
export async function signInOptions(
  service: Service,
  headers: Record<string, string> = {},
): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  return expectStatus('sign-in options', await service.client().post(SIGN_IN_OPTIONS, {}, { headers }), 200).body;
}

/**
 * A whole passkey sign-in with a client of its own: options, the assertion of
 * `authenticator` (on TEST_ORIGIN unless `ceremony` says otherwise), POST
 * /auth/passkey/login; `headers` go with both requests (`x-token-transport: body`
 * chooses body transport).
 */
export async function passkeyLogIn(
  service: Service,
  authenticator: SoftAuthenticator,
  ceremony: Partial<SignInOptions> = {},
  headers: Record<string, string> = {},
): Promise<{ client: ApiClient; response: ApiResponse }> {
  const { challengeId, options } = await signInOptions(service, headers);
  const client = service.client();
  const response = await client.post(PASSKEY_LOGIN, { challengeId, response: authenticator.signIn(options, { origin: TEST_ORIGIN, ...ceremony }) }, { headers });
  return { client, response };
}
