import { JwtModule } from '@nestjs/jwt';
import { Test } from '@nestjs/testing';
import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeToken, encodeSegment, signJws } from '../../test/support/jws';
import { TestClock } from '../../test/support/test-clock';
import { ClockModule } from '../common/clock';
import { TestConfigModule } from '../../test/support/test-config';
import { loadConfig } from '../app-config';
import { SessionAuthenticator } from '../sessions';
import { TokensConfig, tokensConfig } from './tokens.config';
import { withCanonicalSignature } from './jwt-canonical-form';
import { toJwk } from './keys/jwk';
import { jwtModuleOptions } from './keys/jwt-module-options';
import { KeysModule } from './keys/keys.module';
import { TokenKind } from './keys/signing-key';
import { SigningKeysService } from './keys/signing-keys.service';
import { authenticateWith } from './strategies/passport-outcome';
import { JwtRefreshStrategy } from './strategies/jwt-refresh.strategy';
import { JwtStrategy } from './strategies/jwt.strategy';
import { TokenCookies } from './token-cookies';
import { AccessClaims, TOKEN_TYPES, TokenService } from './token.service';

async function setup() {
  const keysDir = mkdtempSync(join(tmpdir(), 'token-service-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: keysDir, JWT_KEYS_DIR: keysDir });
  // Frozen, so that a test can land on an exact second (exp plus the tolerance) and every time below is read from it.
  const clock = new TestClock();
  clock.freeze();
  const moduleRef = await Test.createTestingModule({
    imports: [
      TestConfigModule.from({ NODE_ENV: 'test', DATA_DIR: keysDir, JWT_KEYS_DIR: keysDir }),
      ClockModule.forRoot(clock),
      KeysModule,
      JwtModule.registerAsync({
        imports: [KeysModule],
        inject: [tokensConfig.KEY, SigningKeysService],
        useFactory: (tokens: TokensConfig, keys: SigningKeysService) => jwtModuleOptions(tokens, keys),
      }),
    ],
    providers: [
      TokenService,
      TokenCookies,
      JwtStrategy,
      JwtRefreshStrategy,
      // The KeyStore's answer is not this unit's: the session of every well-formed token is live here.
      { provide: SessionAuthenticator, useValue: { authenticateAccess: async (claims: AccessClaims) => claims } },
    ],
  }).compile();
  await moduleRef.init();
  const signingKeys = moduleRef.get(SigningKeysService);
  const privateKeys: Record<TokenKind, KeyObject> = {
    access: createPrivateKey(readFileSync(join(keysDir, 'access.pem'))),
    refresh: createPrivateKey(readFileSync(join(keysDir, 'refresh.pem'))),
  };
  const strategies = { access: moduleRef.get(JwtStrategy), refresh: moduleRef.get(JwtRefreshStrategy) };
  return {
    config,
    clock,
    tokens: moduleRef.get(TokenService),
    /** A token verified as the service does, through the Passport strategy of its kind; the claims it carries. */
    verify: async (kind: TokenKind, token: string): Promise<Record<string, unknown>> => {
      if (kind === 'access') return authenticateWith(strategies.access, { headers: { authorization: `Bearer ${token}` } }, 'access token');
      const principal = await authenticateWith<{ id: string; sessionId: string; refreshKey: string }>(
        strategies.refresh,
        { headers: {}, body: { refreshToken: token } },
        'refresh token',
      );
      return { sub: principal.id, sid: principal.sessionId, prm: principal.refreshKey };
    },
    signingKeys,
    privateKeys,
    close: async () => {
      await moduleRef.close();
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

/** The order n of the P-256 group. */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

describe('TokenService', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    ctx = await setup();
  });
  afterAll(() => ctx?.close());

  const now = () => ctx.clock.nowSeconds();
  const tolerance = () => ctx.config.jwt.clockToleranceSeconds;
  /** Moves the clock forward to the start of the second `seconds` (since the epoch). */
  const moveClockTo = (seconds: number) => ctx.clock.advance(seconds * 1000 - ctx.clock.now());

  /** Claims our service would sign; `undefined` in `overrides` removes a claim. */
  function claims(kind: TokenKind, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const base: Record<string, unknown> = {
      iss: ctx.config.jwt.issuer,
      aud: ctx.config.jwt.audience,
      sub: randomUUID(),
      sid: randomUUID(),
      prm: 'session-key',
      jti: randomUUID(),
      iat: now(),
      exp: now() + 60,
      ...(kind === 'access' ? { roles: ['user'] } : {}),
    };
    return withoutUndefined({ ...base, ...overrides });
  }

  /** A token signed with the service's own key for `kind` (so only what is overridden is wrong), with a low ES256 `s` as the service signs. */
  async function forge(kind: TokenKind, options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: KeyObject } = {}): Promise<string> {
    const header = { alg: 'ES256', typ: TOKEN_TYPES[kind], kid: ctx.signingKeys.signingKey(kind).kid, ...options.header };
    const token = signJws(withoutUndefined(header), claims(kind, options.claims), options.key ?? ctx.privateKeys[kind]);
    return header.alg === 'ES256' ? withCanonicalSignature(token, 'ES256') : token;
  }

  const access = () => ({ sub: randomUUID(), sid: randomUUID(), prm: 'access-key', roles: ['user', 'admin'], aal: 'aal1' as const, amr: ['pwd' as const] });
  const inAnHour = () => new Date(ctx.clock.now() + 3600_000);

  it('verifies an access token it signed and returns its claims', async () => {
    const input = access();
    const { token } = ctx.tokens.signAccess(input, inAnHour());
    await expect(ctx.verify('access', token)).resolves.toMatchObject(input);
  });

  it('verifies a refresh token it signed and returns its claims', async () => {
    const input = { sub: randomUUID(), sid: randomUUID(), prm: 'refresh-key' };
    const { token } = ctx.tokens.signRefresh(input, inAnHour());
    await expect(ctx.verify('refresh', token)).resolves.toMatchObject(input);
  });

  it('signs access tokens with typ at+jwt and the kid of the access key', async () => {
    const { token } = ctx.tokens.signAccess(access(), inAnHour());
    expect(decodeToken(token).header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: ctx.signingKeys.signingKey('access').kid });
  });

  it('signs refresh tokens with typ refresh+jwt and the kid of the refresh key', async () => {
    const { token } = ctx.tokens.signRefresh({ sub: randomUUID(), sid: randomUUID(), prm: 'k' }, inAnHour());
    expect(decodeToken(token).header).toEqual({ alg: 'ES256', typ: 'refresh+jwt', kid: ctx.signingKeys.signingKey('refresh').kid });
  });

  it('signs the issuer, audience, subject, a fresh jti and the times', async () => {
    const input = access();
    const first = decodeToken(ctx.tokens.signAccess(input, inAnHour()).token).claims;
    const second = decodeToken(ctx.tokens.signAccess(input, inAnHour()).token).claims;
    expect(first).toEqual({
      iss: ctx.config.jwt.issuer,
      aud: ctx.config.jwt.audience,
      sub: input.sub,
      sid: input.sid,
      prm: input.prm,
      roles: input.roles,
      aal: input.aal,
      amr: input.amr,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: now(),
      exp: now() + ctx.config.accessTokenTtlSeconds,
    });
    expect(second.jti).not.toBe(first.jti);
  });

  it('gives an access token the configured lifetime when the session allows it, and says so', async () => {
    const signed = ctx.tokens.signAccess(access(), inAnHour());
    const { iat, exp } = decodeToken(signed.token).claims;
    expect(exp! - iat!).toBe(ctx.config.accessTokenTtlSeconds);
    expect(signed.lifetimeSeconds).toBe(ctx.config.accessTokenTtlSeconds);
    expect(signed.expiresAt.getTime()).toBe(exp! * 1000);
  });

  it('caps an access token exp at the notAfter it is given', async () => {
    const notAfter = new Date(ctx.clock.now() + 60_000);
    const signed = ctx.tokens.signAccess(access(), notAfter);
    expect(decodeToken(signed.token).claims.exp).toBe(Math.floor(notAfter.getTime() / 1000));
    expect(signed.expiresAt.getTime()).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
    expect(signed.lifetimeSeconds).toBe(60);
  });

  it('gives a refresh token the expiry it is given, and its lifetime in seconds', async () => {
    const expiresAt = new Date((now() + 3600) * 1000);
    const signed = ctx.tokens.signRefresh({ sub: randomUUID(), sid: randomUUID(), prm: 'k' }, expiresAt);
    expect(decodeToken(signed.token).claims).toMatchObject({ iat: now(), exp: now() + 3600 });
    expect(signed).toMatchObject({ expiresAt, lifetimeSeconds: 3600 });
  });

  it('never reports a negative lifetime for a token whose session has already ended', async () => {
    const signed = ctx.tokens.signAccess(access(), new Date((now() - 5) * 1000));
    expect(signed.lifetimeSeconds).toBe(0);
  });

  it('rejects a token whose signature was made by another key presenting the known kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await forge('access', { key: privateKey });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('rejects a token whose signature was tampered with', async () => {
    const { token } = ctx.tokens.signAccess(access(), inAnHour());
    const [header, payload, signature] = token.split('.');
    const flipped = signature[0] === 'A' ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    await expect(ctx.verify('access', `${header}.${payload}.${flipped}`)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('rejects a token whose payload was altered after signing', async () => {
    const { token } = ctx.tokens.signAccess(access(), inAnHour());
    const [header, payload, signature] = token.split('.');
    const altered = encodeSegment({ ...decodeToken(token).claims, roles: ['admin'] });
    expect(altered).not.toBe(payload);
    await expect(ctx.verify('access', `${header}.${altered}.${signature}`)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it.each([
    ['an unknown kid', { kid: 'some-other-key' }],
    ['no kid', { kid: undefined }],
  ])('rejects a token with %s', async (_label, header) => {
    const token = await forge('access', { header });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: 'The access token is not valid' });
  });

  it.each([
    ['embeds its own key (jwk)', async (publicKey: KeyObject) => ({ jwk: toJwk(publicKey) })],
    ['points to a key elsewhere (jku)', async () => ({ jku: 'https://attacker.example/jwks.json' })],
  ])('rejects a token signed by another key that %s, with the known kid', async (_label, extraHeader) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await forge('access', { key: privateKey, header: await extraHeader(publicKey) });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('rejects ES384, an algorithm outside the allow-list, even with the known kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const token = await forge('access', { header: { alg: 'ES384' }, key: privateKey });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('rejects HS256 keyed with the public key (algorithm confusion)', async () => {
    const publicPem = createPublicKey(ctx.privateKeys.access).export({ type: 'spki', format: 'pem' });
    const token = await forge('access', { header: { alg: 'HS256' }, key: createSecretKey(Buffer.from(publicPem as string)) });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('rejects an unsecured token (alg none)', async () => {
    const header = { alg: 'none', typ: 'at+jwt', kid: ctx.signingKeys.signingKey('access').kid };
    const token = `${encodeSegment(header)}.${encodeSegment(claims('access'))}.`;
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it.each([
    ['JWT', { typ: 'JWT' }],
    ['missing', { typ: undefined }],
    ['refresh+jwt', { typ: 'refresh+jwt' }],
  ])('rejects an access token whose typ is %s', async (_label, header) => {
    const token = await forge('access', { header });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: 'The access token is not of this kind' });
  });

  it('rejects a token of typ at+jwt signed with the refresh key where a refresh token is expected', async () => {
    const token = await forge('refresh', { header: { typ: 'at+jwt' } });
    await expect(ctx.verify('refresh', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: 'The refresh token is not of this kind' });
  });

  it.each([
    ['a wrong iss', { iss: 'someone-else' }],
    ['no iss', { iss: undefined }],
    ['a wrong aud', { aud: 'another-api' }],
    ['no aud', { aud: undefined }],
  ])('rejects an access token with %s as TOKEN_INVALID', async (_label, overrides) => {
    const token = await forge('access', { claims: overrides });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  const uuid = randomUUID();
  it.each([
    ['a sub that is not a uuid', { sub: 'not-a-uuid' }],
    ['a sub with a uuid after other text', { sub: `user:${uuid}` }],
    ['a sub with a uuid before other text', { sub: `${uuid}/admin` }],
    ['a sub that is a uuid in an array', { sub: [uuid] }],
    ['no sub', { sub: undefined }],
    ['a sid that is not a uuid', { sid: 'not-a-uuid' }],
    ['a sid with a uuid after other text', { sid: `session:${uuid}` }],
    ['a sid with a uuid before other text', { sid: `${uuid}/other` }],
    ['no prm', { prm: undefined }],
    ['an empty prm', { prm: '' }],
    ['a numeric prm', { prm: 42 }],
    ['no jti', { jti: undefined }],
    ['an empty jti', { jti: '' }],
    ['a numeric jti', { jti: 42 }],
  ])('rejects an access token with %s as malformed claims', async (_label, overrides) => {
    const token = await forge('access', { claims: overrides });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: 'The access token has malformed claims' });
  });

  it.each([
    ['a sid with a uuid inside other text', { sid: `x${uuid}x` }],
    ['a numeric prm', { prm: 42 }],
    ['a numeric jti', { jti: 42 }],
  ])('rejects a refresh token with %s as malformed claims', async (_label, overrides) => {
    const token = await forge('refresh', { claims: overrides });
    await expect(ctx.verify('refresh', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: 'The refresh token has malformed claims' });
  });

  it('accepts a sub and sid in upper case (a uuid is case-insensitive)', async () => {
    const input = { sub: randomUUID().toUpperCase(), sid: randomUUID().toUpperCase() };
    const token = await forge('access', { claims: input });
    await expect(ctx.verify('access', token)).resolves.toMatchObject(input);
  });

  it.each([
    ['no exp', () => ({ exp: undefined })],
    ['no iat', () => ({ iat: undefined })],
    ['a non-numeric exp', (t: number) => ({ exp: String(t + 60) })],
    ['a non-numeric nbf', (t: number) => ({ nbf: String(t - 60) })],
    ['a non-numeric iat', (t: number) => ({ iat: String(t) })],
  ])('rejects an access token with %s as malformed times', async (_label, times) => {
    const token = await forge('access', { claims: times(now()) });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: 'The access token has malformed times' });
  });

  it.each([
    ['an iat', (t: number) => ({ iat: t, exp: t + 300 })],
    ['an nbf', (t: number) => ({ nbf: t })],
  ])('rejects an access token with %s in the future by one second more than JWT_CLOCK_TOLERANCE', async (_label, times) => {
    const token = await forge('access', { claims: times(now() + tolerance() + 1) });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: 'The access token is not valid yet' });
  });

  it('accepts an iat and nbf in the future by JWT_CLOCK_TOLERANCE', async () => {
    const token = await forge('access', { claims: { iat: now() + tolerance(), nbf: now() + tolerance() } });
    await expect(ctx.verify('access', token)).resolves.toMatchObject({ prm: 'session-key' });
  });

  it.each([
    ['roles that are not an array', { roles: 'admin' }],
    ['roles that are not strings', { roles: [1] }],
    ['roles that are not all strings', { roles: ['user', 1] }],
    ['no roles', { roles: undefined }],
  ])('rejects an access token with %s', async (_label, overrides) => {
    const token = await forge('access', { claims: overrides });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: 'The access token has no valid roles claim' });
  });

  it('rejects a token past exp beyond the clock tolerance as TOKEN_EXPIRED', async () => {
    const token = await forge('access', { claims: { iat: now() - 300, exp: now() - 120 } });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', message: 'The access token has expired' });
  });

  it('rejects a token past exp by exactly JWT_CLOCK_TOLERANCE, and accepts it a second earlier', async () => {
    const expired = await forge('access', { claims: { iat: now() - 300, exp: now() - tolerance() } });
    const justValid = await forge('access', { claims: { iat: now() - 300, exp: now() - tolerance() + 1 } });
    await expect(ctx.verify('access', expired)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(ctx.verify('access', justValid)).resolves.toMatchObject({ prm: 'session-key' });
  });

  it('accepts a token past exp by less than JWT_CLOCK_TOLERANCE', async () => {
    expect(tolerance()).toBeGreaterThan(10);
    const token = await forge('access', { claims: { iat: now() - 60, exp: now() - 10 } });
    await expect(ctx.verify('access', token)).resolves.toMatchObject({ prm: 'session-key' });
  });

  describe('lifetime cap: no token outlives its kind, whatever its exp says', () => {
    const farExp = () => now() + 365 * 24 * 3600;

    it('rejects an access token issued longer than ACCESS_TOKEN_TTL plus the tolerance ago', async () => {
      const token = await forge('access', { claims: { iat: now() - ctx.config.accessTokenTtlSeconds - tolerance() - 1, exp: farExp() } });
      await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', message: 'The access token has expired' });
    });

    it('accepts an access token issued exactly ACCESS_TOKEN_TTL plus the tolerance ago', async () => {
      const token = await forge('access', { claims: { iat: now() - ctx.config.accessTokenTtlSeconds - tolerance(), exp: farExp() } });
      await expect(ctx.verify('access', token)).resolves.toMatchObject({ prm: 'session-key' });
    });

    it('rejects a refresh token issued longer than SESSION_MAX_LIFETIME plus the tolerance ago', async () => {
      const token = await forge('refresh', { claims: { iat: now() - ctx.config.sessionMaxLifetimeSeconds - tolerance() - 1, exp: farExp() } });
      await expect(ctx.verify('refresh', token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', message: 'The refresh token has expired' });
    });

    it('accepts a refresh token issued exactly SESSION_MAX_LIFETIME plus the tolerance ago', async () => {
      const input = { sub: randomUUID(), sid: randomUUID() };
      const token = await forge('refresh', { claims: { ...input, iat: now() - ctx.config.sessionMaxLifetimeSeconds - tolerance(), exp: farExp() } });
      await expect(ctx.verify('refresh', token)).resolves.toMatchObject(input);
    });
  });

  it('rejects a refresh token given where an access token is expected', async () => {
    const { token } = ctx.tokens.signRefresh({ sub: randomUUID(), sid: randomUUID(), prm: 'k' }, inAnHour());
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('rejects an access token given where a refresh token is expected', async () => {
    const { token } = ctx.tokens.signAccess(access(), inAnHour());
    await expect(ctx.verify('refresh', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: 'The refresh token is not valid' });
  });

  it('rejects a refresh+jwt token signed with the access key', async () => {
    const token = await forge('refresh', { header: { kid: ctx.signingKeys.signingKey('access').kid }, key: ctx.privateKeys.access });
    await expect(ctx.verify('refresh', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('rejects its own token re-spelled with "=" padding on the signature, before verifying it', async () => {
    const { token } = ctx.tokens.signAccess(access(), inAnHour());
    await expect(ctx.verify('access', `${token}==`)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(ctx.verify('access', token)).resolves.toBeDefined();
  });

  // Re-spellings that the signature check alone accepts: one token must have one string (the cache and logs key tokens by it).
  it('rejects its own access token with the ECDSA s replaced by n - s', async () => {
    const { token } = ctx.tokens.signAccess(access(), inAnHour());
    const [header, payload, encoded] = token.split('.');
    const signature = Buffer.from(encoded, 'base64url');
    const highS = P256_ORDER - BigInt(`0x${signature.subarray(32).toString('hex')}`);
    const malleated = Buffer.concat([signature.subarray(0, 32), Buffer.from(highS.toString(16).padStart(64, '0'), 'hex')]);
    await expect(ctx.verify('access', `${header}.${payload}.${malleated.toString('base64url')}`)).rejects.toMatchObject({
      code: 'TOKEN_INVALID',
      message: 'The access token is not valid',
    });
  });

  it('rejects its own access token with non-zero trailing bits in the signature', async () => {
    const { token } = ctx.tokens.signAccess(access(), inAnHour());
    const respelled = token.slice(0, -1) + BASE64URL_ALPHABET[BASE64URL_ALPHABET.indexOf(token.at(-1)!) | 1];
    expect(Buffer.from(respelled.split('.')[2], 'base64url')).toEqual(Buffer.from(token.split('.')[2], 'base64url'));
    await expect(ctx.verify('access', respelled)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: 'The access token is not valid' });
  });

  it.each(['garbage', 'a.b.c', '', 'eyJhbGciOiJFUzI1NiJ9..'])('rejects the malformed string %p', async (token) => {
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  describe('verified-token cache', () => {
    it('answers an access token verified before with its claims, and nothing for one never verified', async () => {
      const input = access();
      const { token } = ctx.tokens.signAccess(input, inAnHour());
      expect(ctx.tokens.cachedAccessClaims(token)).toBeUndefined();
      await ctx.verify('access', token);
      expect(ctx.tokens.cachedAccessClaims(token)).toMatchObject(input);
    });

    it('stops answering once the clock reaches exp plus JWT_CLOCK_TOLERANCE', async () => {
      const token = await forge('access', { claims: { exp: now() + 60 } });
      const { exp } = decodeToken(token).claims;
      await ctx.verify('access', token);
      moveClockTo(exp + tolerance() - 1);
      expect(ctx.tokens.cachedAccessClaims(token)).toMatchObject({ exp });
      moveClockTo(exp + tolerance());
      expect(ctx.tokens.cachedAccessClaims(token)).toBeUndefined();
    });

    it('keeps a token verified within the tolerance past its exp until exp plus the tolerance', async () => {
      const token = await forge('access', { claims: { iat: now() - 60, exp: now() - 10 } });
      const { exp } = decodeToken(token).claims;
      await ctx.verify('access', token);
      expect(ctx.tokens.cachedAccessClaims(token)).toMatchObject({ exp });
      moveClockTo(exp + tolerance());
      expect(ctx.tokens.cachedAccessClaims(token)).toBeUndefined();
    });

    it('never remembers a refused token', async () => {
      const token = await forge('access', { claims: { roles: 'admin' } });
      await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
      expect(ctx.tokens.cachedAccessClaims(token)).toBeUndefined();
    });
  });
});
