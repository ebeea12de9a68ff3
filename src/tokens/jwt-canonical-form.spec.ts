import { sign as signJwt, verify as verifyJwt } from 'jsonwebtoken';
import { createSecretKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { isCanonicalBase64url, isCanonicalJwt, SignatureAlgorithm, withCanonicalSignature } from './jwt-canonical-form';

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const keys: Record<SignatureAlgorithm, { sign: KeyObject; verify: KeyObject }> = (() => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const secret = createSecretKey(Buffer.from('9hJ2mQ7xL4vR8kT1pW6zC3nB5yF0sD2g'));
  return {
    ES256: { sign: ec.privateKey, verify: ec.publicKey },
    RS256: { sign: rsa.privateKey, verify: rsa.publicKey },
    HS256: { sign: secret, verify: secret },
  };
})();

const RSA_SIGNATURE_BYTES = 256;
const sign = async (algorithm: SignatureAlgorithm) => signJwt({ sub: 'someone' }, keys[algorithm].sign, { algorithm });
const verifies = (token: string) => verifyJwt(token, keys.ES256.verify, { algorithms: ['ES256'] });
const segments = (token: string) => token.split('.') as [string, string, string];
const sOf = (token: string) => BigInt(`0x${Buffer.from(segments(token)[2], 'base64url').subarray(32).toString('hex')}`);
const P256_HALF_ORDER = P256_ORDER / 2n;
/** An ES256-shaped token (not a valid signature) whose signature is `r || s`, for checks that only read the form. */
const withS = (s: bigint, r = 'ab'.repeat(32)) => `e30.e30.${Buffer.from(r + s.toString(16).padStart(64, '0'), 'hex').toString('base64url')}`;

describe('isCanonicalBase64url', () => {
  it.each(['', 'AA==', 'AA=', 'a+b/', 'AB', 'A', 'e30 '])('refuses %p', (segment) => {
    expect(isCanonicalBase64url(segment)).toBe(false);
  });

  it.each(['AA', 'AAA', 'e30', 'eyJhbGciOiJFUzI1NiJ9', '-_-_'])('accepts %p', (segment) => {
    expect(isCanonicalBase64url(segment)).toBe(true);
  });
});

describe.each<SignatureAlgorithm>(['ES256', 'RS256', 'HS256'])('isCanonicalJwt for %s', (algorithm) => {
  let token: string;
  beforeAll(async () => {
    token = withCanonicalSignature(await sign(algorithm), algorithm);
  });

  it('accepts the token as signed (after withCanonicalSignature)', () => {
    expect(isCanonicalJwt(token, algorithm, RSA_SIGNATURE_BYTES)).toBe(true);
  });

  it.each([
    ['padding on the signature', (t: string) => `${t}=`],
    [
      'padding on the header',
      (t: string) => {
        const [h, p, s] = segments(t);
        return `${h}=.${p}.${s}`;
      },
    ],
    ['non-zero trailing bits', (t: string) => t.slice(0, -1) + ALPHABET[ALPHABET.indexOf(t.at(-1)!) | 1]],
    ['the standard alphabet', (t: string) => t.replace(/-/g, '+').replace(/_/g, '/') + (/[-_]/.test(segments(t)[2]) ? '' : '+')],
    ['a longer signature', (t: string) => `${t}AAAA`],
    ['a shorter signature', (t: string) => t.slice(0, -4)],
    ['no signature', (t: string) => `${segments(t)[0]}.${segments(t)[1]}.`],
    ['a fourth segment', (t: string) => `${t}.e30`],
  ])('refuses %s', (_label, change) => {
    expect(isCanonicalJwt(change(token), algorithm, RSA_SIGNATURE_BYTES)).toBe(false);
  });
});

describe('ES256 low s', () => {
  it('makes every signature low-s, and the result still verifies', async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const token = withCanonicalSignature(await sign('ES256'), 'ES256');
      expect(sOf(token) <= P256_ORDER / 2n).toBe(true);
      expect(verifies(token)).toMatchObject({ sub: 'someone' });
    }
  });

  it('refuses the same signature with s replaced by n - s, which the library alone would accept', async () => {
    const token = withCanonicalSignature(await sign('ES256'), 'ES256');
    const [header, payload, encoded] = segments(token);
    const signature = Buffer.from(encoded, 'base64url');
    const highS = Buffer.from((P256_ORDER - sOf(token)).toString(16).padStart(64, '0'), 'hex');
    const malleated = `${header}.${payload}.${Buffer.concat([signature.subarray(0, 32), highS]).toString('base64url')}`;
    expect(verifies(malleated)).toMatchObject({ sub: 'someone' });
    expect(isCanonicalJwt(malleated, 'ES256')).toBe(false);
  });

  it('accepts s = n/2 (rounded down) as low, and refuses s one above it', () => {
    expect(isCanonicalJwt(withS(P256_HALF_ORDER), 'ES256')).toBe(true);
    expect(isCanonicalJwt(withS(P256_HALF_ORDER + 1n), 'ES256')).toBe(false);
  });

  it('leaves a signature whose s is exactly n/2 (rounded down) as it is', () => {
    const token = withS(P256_HALF_ORDER);
    expect(withCanonicalSignature(token, 'ES256')).toBe(token);
  });

  it('replaces a high s by n - s, keeping r and the 32 bytes of s when n - s is small', () => {
    expect(withCanonicalSignature(withS(P256_ORDER - 1n), 'ES256')).toBe(withS(1n));
    expect(withCanonicalSignature(withS(P256_HALF_ORDER + 1n), 'ES256')).toBe(withS(P256_HALF_ORDER));
  });

  it('leaves RS256 and HS256 tokens as they are', async () => {
    for (const algorithm of ['RS256', 'HS256'] as const) {
      const token = await sign(algorithm);
      expect(withCanonicalSignature(token, algorithm)).toBe(token);
    }
  });
});
