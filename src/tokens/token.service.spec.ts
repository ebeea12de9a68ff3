import { JwtModule } from '@nestjs/jwt';
import { Test } from '@nestjs/testing';
import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeToken, encodeSegment, signJws } from '../../test/support/jws';
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
  const moduleRef = await Test.createTestingModule({
    imports: [
      TestConfigModule.from({ NODE_ENV: 'test', DATA_DIR: keysDir, JWT_KEYS_DIR: keysDir }),
      ClockModule.forRoot(),
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

const now = () => Math.floor(Date.now() / 1000);

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

describe('TokenService', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    ctx = await setup();
  });
  afterAll(() => ctx.close());

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

  const access = () => ({ sub: randomUUID(), sid: randomUUID(), prm: 'access-key', roles: ['user', 'admin'] });
  const inAnHour = () => new Date(Date.now() + 3600_000);

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

  it('gives an access token the configured lifetime when the session allows it', async () => {
    const { token } = ctx.tokens.signAccess(access(), inAnHour());
    const { iat, exp } = decodeToken(token).claims;
    expect(exp! - iat!).toBe(ctx.config.accessTokenTtlSeconds);
  });

  it('caps an access token exp at the notAfter it is given', async () => {
    const notAfter = new Date(Date.now() + 60_000);
    const signed = ctx.tokens.signAccess(access(), notAfter);
    expect(decodeToken(signed.token).claims.exp).toBe(Math.floor(notAfter.getTime() / 1000));
    expect(signed.expiresAt.getTime()).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
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
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
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
  ])('rejects an access token whose typ is %s', async (_label, header) => {
    const token = await forge('access', { header });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it.each([
    ['a wrong iss', { iss: 'someone-else' }],
    ['no iss', { iss: undefined }],
    ['a wrong aud', { aud: 'another-api' }],
    ['no aud', { aud: undefined }],
    ['no exp', { exp: undefined }],
    ['a non-numeric exp', { exp: String(now() + 60) }],
    ['a non-numeric nbf', { nbf: String(now() - 60) }],
    ['a non-numeric iat', { iat: String(now()) }],
    ['an nbf in the future beyond the clock tolerance', { nbf: now() + 120 }],
    ['an iat in the future beyond the clock tolerance', { iat: now() + 120, exp: now() + 300 }],
    ['a sub that is not a uuid', { sub: 'not-a-uuid' }],
    ['a sid that is not a uuid', { sid: 'not-a-uuid' }],
    ['no prm', { prm: undefined }],
    ['an empty prm', { prm: '' }],
    ['roles that are not an array', { roles: 'admin' }],
    ['roles that are not strings', { roles: [1] }],
    ['no roles', { roles: undefined }],
  ])('rejects an access token with %s as TOKEN_INVALID', async (_label, overrides) => {
    const token = await forge('access', { claims: overrides });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('rejects a token past exp beyond the clock tolerance as TOKEN_EXPIRED', async () => {
    const token = await forge('access', { claims: { iat: now() - 300, exp: now() - 120 } });
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('accepts a token past exp by less than JWT_CLOCK_TOLERANCE', async () => {
    expect(ctx.config.jwt.clockToleranceSeconds).toBeGreaterThan(10);
    const token = await forge('access', { claims: { iat: now() - 60, exp: now() - 10 } });
    await expect(ctx.verify('access', token)).resolves.toMatchObject({ prm: 'session-key' });
  });

  it('accepts an iat and nbf in the future by less than JWT_CLOCK_TOLERANCE', async () => {
    const token = await forge('access', { claims: { iat: now() + 10, nbf: now() + 10 } });
    await expect(ctx.verify('access', token)).resolves.toMatchObject({ prm: 'session-key' });
  });

  it('rejects a refresh token given where an access token is expected', async () => {
    const { token } = ctx.tokens.signRefresh({ sub: randomUUID(), sid: randomUUID(), prm: 'k' }, inAnHour());
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('rejects an access token given where a refresh token is expected', async () => {
    const { token } = ctx.tokens.signAccess(access(), inAnHour());
    await expect(ctx.verify('refresh', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
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

  it.each(['garbage', 'a.b.c', '', 'eyJhbGciOiJFUzI1NiJ9..'])('rejects the malformed string %p', async (token) => {
    await expect(ctx.verify('access', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });
});
