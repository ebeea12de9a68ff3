import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, JsonWebKey, KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiResponse } from './support/api-client';
import { expectError } from './support/errors-assertions';
import { freePort } from './support/free-port';
import { decodeToken, encodeSegment, signJws } from './support/jws';
import { startTestApp, TestApp } from './support/test-app';
import { logIn, LoggedInClient, registerUser, TestUser } from './support/users';

/**
 * Forged tokens over real HTTP: each is made from a real token of a logged-in
 * session, with one thing changed, and must be refused with 401 and the exact
 * code the contract gives; never 500, never accepted.
 */

const ME = '/api/v1/users/me';
const REFRESH = '/api/v1/auth/refresh';

const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const SESSION_MAX_LIFETIME_SECONDS = 90 * 24 * 3600;

type Kind = 'access' | 'refresh';
type Claims = Record<string, unknown>;
type RefusalCode = 'TOKEN_INVALID' | 'TOKEN_EXPIRED';
/** An attack on the real token of `kind`: the string presented instead of it. */
type Forge = (kind: Kind) => string;
type Forgery = [attack: string, code: RefusalCode, forge: Forge];

/** The longest a token of each kind may live, whatever its exp says. */
const LONGEST_LIFETIME_SECONDS: Record<Kind, number> = { access: ACCESS_TOKEN_TTL_SECONDS, refresh: SESSION_MAX_LIFETIME_SECONDS };

/** The order n of the P-256 group: an ECDSA signature (r, s) also verifies as (r, n - s). */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ATTACKER_KID = 'attacker-key';

const otherKind = (kind: Kind): Kind => (kind === 'access' ? 'refresh' : 'access');
const nowSeconds = () => Math.floor(Date.now() / 1000);

let testApp: TestApp;
let keysDir: string;
let user: TestUser;
let otherUser: TestUser;
/** The real tokens the forgeries are made from (each from a session of its own, so a refresh matrix cannot disturb the access one). */
const realToken = {} as Record<Kind, string>;
/** The service's own private signing keys, read from its keys directory. */
const serviceKeys = {} as Record<Kind, KeyObject>;
/** The public key that verifies each kind: the access one as the JWKS publishes it. */
const verifyingPublicKeys = {} as Record<Kind, KeyObject>;
let attackerKey: { privateKey: KeyObject; publicJwk: JsonWebKey };
let closedPortJku: string;
/** A JWKS of the attacker's key on 127.0.0.1, recording every request it gets. */
let attackerJwks: { server: Server; url: string; requests: string[] };
let accessCookieName: string;
/** A session whose refresh token is spent on the refresh baseline. */
let spareSession: LoggedInClient;

const headerOf = (kind: Kind) => decodeToken(realToken[kind]).header;
const signatureOf = (token: string) => token.split('.')[2];

/** `record` with `changes` applied; a change to `undefined` removes the field. */
function changed(record: Claims, changes: Claims = {}): Claims {
  return Object.fromEntries(Object.entries({ ...record, ...changes }).filter(([, value]) => value !== undefined));
}

function sOf(signature: Buffer): bigint {
  return BigInt(`0x${signature.subarray(32, 64).toString('hex')}`);
}

function withS(signature: Buffer, s: bigint): string {
  return Buffer.concat([signature.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex')]).toString('base64url');
}

/** Signs as the service spells its own tokens (ES256 with a low s), so that only the change under test can make a token fail. */
function signedLikeTheService(header: Claims, claims: Claims, key: KeyObject): string {
  const token = signJws(header, claims, key);
  const signature = Buffer.from(signatureOf(token), 'base64url');
  if (header.alg !== 'ES256' || sOf(signature) <= P256_ORDER / 2n) return token;
  return `${token.split('.').slice(0, 2).join('.')}.${withS(signature, P256_ORDER - sOf(signature))}`;
}

/** The real token of `kind` with its header and claims changed, signed anew with `key` (by default the service's own key of that kind). */
function resigned(kind: Kind, change: { header?: Claims; claims?: Claims; key?: KeyObject } = {}): string {
  const { header, claims } = decodeToken(realToken[kind]);
  return signedLikeTheService(changed(header, change.header), changed(claims, change.claims), change.key ?? serviceKeys[kind]);
}

/** The real token of `kind` with its header or claims changed, keeping the original signature (and every segment not changed). */
function keepingSignature(kind: Kind, change: { header?: Claims; claims?: Claims }): string {
  const [header, payload, signature] = realToken[kind].split('.');
  const decoded = decodeToken(realToken[kind]);
  return [
    change.header ? encodeSegment(changed(decoded.header, change.header)) : header,
    change.claims ? encodeSegment(changed(decoded.claims, change.claims)) : payload,
    signature,
  ].join('.');
}

/** An unsecured token: the real header with `alg` and the real payload, then `signature` ('absent': no third segment at all). */
function unsecured(kind: Kind, alg: string, signature: 'empty' | 'original' | 'absent'): string {
  const [, payload, original] = realToken[kind].split('.');
  const header = encodeSegment({ ...headerOf(kind), alg });
  if (signature === 'absent') return `${header}.${payload}`;
  return `${header}.${payload}.${signature === 'empty' ? '' : original}`;
}

/** The real token with its signature spelled another way that decodes to the very same bytes. */
function respelledSignature(respell: (signature: string) => string): Forge {
  return (kind) => {
    const signature = signatureOf(realToken[kind]);
    const respelled = respell(signature);
    expect(respelled).not.toBe(signature);
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    return `${realToken[kind].split('.').slice(0, 2).join('.')}.${respelled}`;
  };
}

/** HS256 keyed with the public key that verifies the kind, in one of its spellings (algorithm confusion). */
function hs256WithPublicKey(spelling: (publicKey: KeyObject) => Buffer): Forge {
  return (kind) => resigned(kind, { header: { alg: 'HS256' }, key: createSecretKey(spelling(verifyingPublicKeys[kind])) });
}

const FORGERIES: Forgery[] = [
  // Unsecured and algorithm confusion.
  ['alg none with an empty signature', 'TOKEN_INVALID', (kind) => unsecured(kind, 'none', 'empty')],
  ['alg none without a signature segment', 'TOKEN_INVALID', (kind) => unsecured(kind, 'none', 'absent')],
  ['alg none keeping the original signature', 'TOKEN_INVALID', (kind) => unsecured(kind, 'none', 'original')],
  ['alg "None" with an empty signature', 'TOKEN_INVALID', (kind) => unsecured(kind, 'None', 'empty')],
  ['HS256 keyed with the public key as SPKI PEM', 'TOKEN_INVALID', hs256WithPublicKey((key) => Buffer.from(key.export({ type: 'spki', format: 'pem' }) as string))],
  ['HS256 keyed with the public key as SPKI DER', 'TOKEN_INVALID', hs256WithPublicKey((key) => key.export({ type: 'spki', format: 'der' }))],
  ['HS256 keyed with the public key as JWK JSON', 'TOKEN_INVALID', hs256WithPublicKey((key) => Buffer.from(JSON.stringify(key.export({ format: 'jwk' }))))],

  // Which key: kid.
  [
    "the other kind's kid, signed with the other kind's key",
    'TOKEN_INVALID',
    (kind) => resigned(kind, { header: { kid: headerOf(otherKind(kind)).kid }, key: serviceKeys[otherKind(kind)] }),
  ],
  ["the other kind's kid, with the original signature", 'TOKEN_INVALID', (kind) => keepingSignature(kind, { header: { kid: headerOf(otherKind(kind)).kid } })],
  ['an unknown kid, signed with its own key', 'TOKEN_INVALID', (kind) => resigned(kind, { header: { kid: 'A'.repeat(43) } })],
  ['no kid, signed with its own key', 'TOKEN_INVALID', (kind) => resigned(kind, { header: { kid: undefined } })],
  ['a numeric kid, signed with its own key', 'TOKEN_INVALID', (kind) => resigned(kind, { header: { kid: 1 } })],
  ["its key file's name as kid, signed with its own key", 'TOKEN_INVALID', (kind) => resigned(kind, { header: { kid: `${kind}.pem` } })],

  // The attacker's own key.
  ["the service's kid and a signature by another P-256 key", 'TOKEN_INVALID', (kind) => resigned(kind, { key: attackerKey.privateKey })],
  [
    "an embedded jwk of the signing attacker's key, with the service's kid",
    'TOKEN_INVALID',
    (kind) => resigned(kind, { header: { jwk: attackerKey.publicJwk }, key: attackerKey.privateKey }),
  ],
  [
    "an embedded jwk of the signing attacker's key, with its own kid",
    'TOKEN_INVALID',
    (kind) => resigned(kind, { header: { kid: ATTACKER_KID, jwk: { ...attackerKey.publicJwk, kid: ATTACKER_KID } }, key: attackerKey.privateKey }),
  ],
  [
    'a jku on a closed 127.0.0.1 port, signed by the attacker',
    'TOKEN_INVALID',
    (kind) => resigned(kind, { header: { kid: ATTACKER_KID, jku: closedPortJku }, key: attackerKey.privateKey }),
  ],
  [
    "a jku on 127.0.0.1 serving the attacker's JWKS, signed by the attacker",
    'TOKEN_INVALID',
    (kind) => resigned(kind, { header: { kid: ATTACKER_KID, jku: attackerJwks.url }, key: attackerKey.privateKey }),
  ],

  // The payload changed under the original signature.
  ["roles ['admin'] with the original signature", 'TOKEN_INVALID', (kind) => keepingSignature(kind, { claims: { roles: ['admin'] } })],
  ['another user as sub with the original signature', 'TOKEN_INVALID', (kind) => keepingSignature(kind, { claims: { sub: otherUser.id } })],
  ['an exp a year later with the original signature', 'TOKEN_INVALID', (kind) => keepingSignature(kind, { claims: { exp: nowSeconds() + 365 * 24 * 3600 } })],

  // The kind of token: typ.
  ['a real token of the other kind', 'TOKEN_INVALID', (kind) => realToken[otherKind(kind)]],
  ["the other kind's typ, signed with its own key", 'TOKEN_INVALID', (kind) => resigned(kind, { header: { typ: headerOf(otherKind(kind)).typ } })],
  ['typ JWT, signed with its own key', 'TOKEN_INVALID', (kind) => resigned(kind, { header: { typ: 'JWT' } })],
  ['no typ, signed with its own key', 'TOKEN_INVALID', (kind) => resigned(kind, { header: { typ: undefined } })],

  // One claim wrong, signed with the service's own key.
  ['another iss', 'TOKEN_INVALID', (kind) => resigned(kind, { claims: { iss: 'https://attacker.example' } })],
  ['another aud', 'TOKEN_INVALID', (kind) => resigned(kind, { claims: { aud: 'another-api' } })],
  ['an exp an hour ago', 'TOKEN_EXPIRED', (kind) => resigned(kind, { claims: { exp: nowSeconds() - 3600 } })],
  [
    "an iat an hour beyond the kind's longest lifetime, with an exp an hour ahead",
    'TOKEN_EXPIRED',
    (kind) => resigned(kind, { claims: { iat: nowSeconds() - LONGEST_LIFETIME_SECONDS[kind] - 3600, exp: nowSeconds() + 3600 } }),
  ],
  ['an nbf an hour ahead', 'TOKEN_INVALID', (kind) => resigned(kind, { claims: { nbf: nowSeconds() + 3600 } })],
  ['an iat an hour ahead', 'TOKEN_INVALID', (kind) => resigned(kind, { claims: { iat: nowSeconds() + 3600 } })],
  ['a numeric prm', 'TOKEN_INVALID', (kind) => resigned(kind, { claims: { prm: 123456 } })],
  ['a numeric jti', 'TOKEN_INVALID', (kind) => resigned(kind, { claims: { jti: 42 } })],
  ['a sid that is not a UUID', 'TOKEN_INVALID', (kind) => resigned(kind, { claims: { sid: 'not-a-uuid' } })],
  ['a sub that is not a UUID', 'TOKEN_INVALID', (kind) => resigned(kind, { claims: { sub: 'not-a-uuid' } })],

  // Another spelling of the real token (one token, one string).
  ['its signature with "=" padding', 'TOKEN_INVALID', respelledSignature((signature) => `${signature}=`)],
  ['its signature with "==" padding', 'TOKEN_INVALID', respelledSignature((signature) => `${signature}==`)],
  [
    'its signature with non-zero trailing bits',
    'TOKEN_INVALID',
    respelledSignature((signature) => signature.slice(0, -1) + BASE64URL_ALPHABET[BASE64URL_ALPHABET.indexOf(signature.at(-1)!) | 1]),
  ],
  ['its signature in the standard base64 alphabet', 'TOKEN_INVALID', respelledSignature((signature) => signature.replace(/-/g, '+').replace(/_/g, '/'))],
  [
    'its ES256 signature with s replaced by n - s (high s, as valid)',
    'TOKEN_INVALID',
    (kind) => {
      const signature = Buffer.from(signatureOf(realToken[kind]), 'base64url');
      return `${realToken[kind].split('.').slice(0, 2).join('.')}.${withS(signature, P256_ORDER - sOf(signature))}`;
    },
  ],
  ['a trailing dot', 'TOKEN_INVALID', (kind) => `${realToken[kind]}.`],
  ['"=" after its header segment', 'TOKEN_INVALID', (kind) => realToken[kind].replace('.', '=.')],
];

const ACCESS_CHANNELS: Array<[channel: string, present: (token: string) => Promise<ApiResponse>]> = [
  ['Authorization: Bearer', (token) => testApp.client().get(ME, { headers: { authorization: `Bearer ${token}` } })],
  ['the access cookie', (token) => testApp.client().get(ME, { headers: { cookie: `${accessCookieName}=${token}` } })],
];

const presentRefreshToken = (refreshToken: string) => testApp.client().post(REFRESH, { refreshToken });

function expectRefused(response: ApiResponse, code: RefusalCode): void {
  expectError(response, 401, code);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

/** Logs `user` in until the token of `kind` has a "-" or "_" in its signature, so that every re-spelling of it differs from it. */
async function logInWithUrlSafeCharactersIn(kind: Kind): Promise<LoggedInClient> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const session = await logIn(testApp, 'body', user);
    if (/[-_]/.test(signatureOf(session.login.body[`${kind}Token`]))) return session;
  }
  throw new Error(`no ${kind} token with "-" or "_" in its signature in 50 logins`);
}

async function startAttackerJwks(jwk: JsonWebKey): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/.well-known/jwks.json`, requests };
}

describe('forged tokens over HTTP', () => {
  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'forged-tokens-keys-'));
    testApp = await startTestApp({
      JWT_KEYS_DIR: keysDir,
      ACCESS_TOKEN_TTL: `${ACCESS_TOKEN_TTL_SECONDS}s`,
      SESSION_MAX_LIFETIME: `${SESSION_MAX_LIFETIME_SECONDS}s`,
      // Without a grace window, a forgery the refresh route took would rotate the session and make the real token a reuse.
      REFRESH_REUSE_GRACE: '0s',
    });
    user = await registerUser(testApp);
    otherUser = await registerUser(testApp);
    realToken.access = (await logInWithUrlSafeCharactersIn('access')).login.body.accessToken;
    realToken.refresh = (await logInWithUrlSafeCharactersIn('refresh')).login.body.refreshToken;
    spareSession = await logIn(testApp, 'body', user);

    for (const kind of ['access', 'refresh'] as const) serviceKeys[kind] = createPrivateKey(readFileSync(join(keysDir, `${kind}.pem`)));
    const jwks = (await testApp.client().get('/.well-known/jwks.json')).body as { keys: Array<JsonWebKey & { kid: string }> };
    const publishedAccessKey = jwks.keys.find((key) => key.kid === headerOf('access').kid);
    expect(publishedAccessKey).toBeDefined();
    verifyingPublicKeys.access = createPublicKey({ key: publishedAccessKey!, format: 'jwk' });
    // Never published; an attacker would have to recover it from signatures.
    verifyingPublicKeys.refresh = createPublicKey(serviceKeys.refresh);

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    attackerKey = { privateKey, publicJwk: publicKey.export({ format: 'jwk' }) };
    closedPortJku = `http://127.0.0.1:${await freePort()}/.well-known/jwks.json`;
    attackerJwks = await startAttackerJwks({ ...attackerKey.publicJwk, kid: ATTACKER_KID, alg: 'ES256', use: 'sig' });

    const cookieNames = (await logIn(testApp, 'cookie', user)).client.cookieNames();
    accessCookieName = cookieNames.find((name) => name.endsWith('access_token'))!;
    expect(accessCookieName).toBeDefined();
  });

  afterAll(async () => {
    await testApp?.close();
    if (attackerJwks) await new Promise((resolve) => attackerJwks.server.close(resolve));
    rmSync(keysDir, { recursive: true, force: true });
  });

  /** Every forgery of the access token, on every channel an access token travels. */
  function refusesEveryForgedAccessToken(): void {
    describe.each(ACCESS_CHANNELS)('as %s', (_channel, present) => {
      it.each(FORGERIES)('refuses %s: 401 %s', async (_attack, code, forge) => {
        expectRefused(await present(forge('access')), code);
      });
    });
  }

  describe('access tokens on GET /api/v1/users/me, the real one never presented before', () => {
    it.each(ACCESS_CHANNELS)('accepts, as %s, the real access token re-signed unchanged with its key (the baseline)', async (_channel, present) => {
      const response = await present(resigned('access'));
      expect({ status: response.status, id: response.body.id }).toEqual({ status: 200, id: user.id });
    });

    refusesEveryForgedAccessToken();
  });

  describe('access tokens on GET /api/v1/users/me, once the real one sits in the verified-token cache', () => {
    it.each(ACCESS_CHANNELS)('accepts the real access token as %s (which caches it)', async (_channel, present) => {
      const response = await present(realToken.access);
      expect({ status: response.status, id: response.body.id }).toEqual({ status: 200, id: user.id });
    });

    refusesEveryForgedAccessToken();

    it.each(ACCESS_CHANNELS)('still accepts the real access token as %s', async (_channel, present) => {
      const response = await present(realToken.access);
      expect({ status: response.status, id: response.body.id }).toEqual({ status: 200, id: user.id });
    });
  });

  describe('refresh tokens in the body of POST /api/v1/auth/refresh', () => {
    it("accepts a session's refresh token re-signed unchanged with its key (the baseline)", async () => {
      const { header, claims } = decodeToken(spareSession.refreshToken!);
      const response = await presentRefreshToken(signedLikeTheService(header, claims, serviceKeys.refresh));
      expect(response.status).toBe(200);
      expect(response.body.refreshToken).toEqual(expect.any(String));
    });

    it.each(FORGERIES)('refuses %s: 401 %s', async (_attack, code, forge) => {
      expectRefused(await presentRefreshToken(forge('refresh')), code);
    });

    it('still accepts the real refresh token: no forgery rotated or ended its session', async () => {
      const response = await presentRefreshToken(realToken.refresh);
      expect(response.status).toBe(200);
      expect(response.body.refreshToken).toEqual(expect.any(String));
    });
  });

  it('never fetched the key a jku header points at', () => {
    expect(attackerJwks.requests).toEqual([]);
  });
});
