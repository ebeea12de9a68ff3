import { createSecretKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { isCanonicalBase64url, isCanonicalJwt, SignatureAlgorithm, withCanonicalSignature } from './jwt-canonical-form';

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const keys: Record<SignatureAlgorithm, { sign: KeyObject; verify: KeyObject }> = (() => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const secret = createSecretKey(Buffer.from('9hJ2mQ7xL4vR8kT1pW6zC3nB5yF0sD2g'));
  return {
    ES256: { sign: ec.privateKey, verify: ec.publicKey },
    EdDSA: { sign: ed.privateKey, verify: ed.publicKey },
    HS256: { sign: secret, verify: secret },
  };
})();

const sign = (algorithm: SignatureAlgorithm) => new SignJWT({ sub: 'someone' }).setProtectedHeader({ alg: algorithm }).sign(keys[algorithm].sign);
const segments = (token: string) => token.split('.') as [string, string, string];
const sOf = (token: string) => BigInt(`0x${Buffer.from(segments(token)[2], 'base64url').subarray(32).toString('hex')}`);

describe('isCanonicalBase64url', () => {
  it.each(['', 'AA==', 'AA=', 'a+b/', 'AB', 'A', 'e30 '])('refuses %p', (segment) => {
    expect(isCanonicalBase64url(segment)).toBe(false);
  });

  it.each(['AA', 'AAA', 'e30', 'eyJhbGciOiJFUzI1NiJ9', '-_-_'])('accepts %p', (segment) => {
    expect(isCanonicalBase64url(segment)).toBe(true);
  });
});

describe.each<SignatureAlgorithm>(['ES256', 'EdDSA', 'HS256'])('isCanonicalJwt for %s', (algorithm) => {
  let token: string;
  beforeAll(async () => {
    token = withCanonicalSignature(await sign(algorithm), algorithm);
  });

  it('accepts the token as signed (after withCanonicalSignature)', () => {
    expect(isCanonicalJwt(token, algorithm)).toBe(true);
  });

  it.each([
    ['padding on the signature', (t: string) => `${t}=`],
    ['padding on the header', (t: string) => { const [h, p, s] = segments(t); return `${h}=.${p}.${s}`; }],
    ['non-zero trailing bits', (t: string) => t.slice(0, -1) + ALPHABET[ALPHABET.indexOf(t.at(-1)!) | 1]],
    ['the standard alphabet', (t: string) => t.replace(/-/g, '+').replace(/_/g, '/') + (/[-_]/.test(segments(t)[2]) ? '' : '+')],
    ['a longer signature', (t: string) => `${t}AAAA`],
    ['a shorter signature', (t: string) => t.slice(0, -4)],
    ['no signature', (t: string) => `${segments(t)[0]}.${segments(t)[1]}.`],
    ['a fourth segment', (t: string) => `${t}.e30`],
  ])('refuses %s', (_label, change) => {
    expect(isCanonicalJwt(change(token), algorithm)).toBe(false);
  });
});

describe('ES256 low s', () => {
  it('makes every signature low-s, and the result still verifies', async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const token = withCanonicalSignature(await sign('ES256'), 'ES256');
      expect(sOf(token) <= P256_ORDER / 2n).toBe(true);
      await expect(jwtVerify(token, keys.ES256.verify)).resolves.toBeDefined();
    }
  });

  it('refuses the same signature with s replaced by n - s, which the library alone would accept', async () => {
    const token = withCanonicalSignature(await sign('ES256'), 'ES256');
    const [header, payload, encoded] = segments(token);
    const signature = Buffer.from(encoded, 'base64url');
    const highS = Buffer.from((P256_ORDER - sOf(token)).toString(16).padStart(64, '0'), 'hex');
    const malleated = `${header}.${payload}.${Buffer.concat([signature.subarray(0, 32), highS]).toString('base64url')}`;
    await expect(jwtVerify(malleated, keys.ES256.verify)).resolves.toBeDefined();
    expect(isCanonicalJwt(malleated, 'ES256')).toBe(false);
  });

  it('leaves EdDSA and HS256 tokens as they are', async () => {
    for (const algorithm of ['EdDSA', 'HS256'] as const) {
      const token = await sign(algorithm);
      expect(withCanonicalSignature(token, algorithm)).toBe(token);
    }
  });
});
