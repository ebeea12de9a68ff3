import { randomBytes } from 'node:crypto';
import { GENERATE_SECRET_HINT, secretWeakness } from './secret-strength';

describe('secretWeakness', () => {
  it.each(['hex', 'base64', 'base64url'] as const)('passes 1,000 secrets of 32 random bytes in %s', (encoding) => {
    const refused = Array.from({ length: 1000 }, () => randomBytes(32).toString(encoding)).filter((secret) => secretWeakness(secret));
    expect(refused).toEqual([]);
  });

  it.each([
    ['31 bytes of random base64', randomBytes(24).toString('base64').slice(0, 31), /shorter than 32 bytes/],
    ['a repeated unit', 'abc123'.repeat(7), /repeated/],
    ['few distinct characters', 'aabbaabababbbaabaabbbabababbaabbbaaabab', /different characters/],
    ['a run', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij', /run of neighbouring/],
    ['low entropy', 'correct horse battery staple 123', /entropy/],
    ['a repeated unit holding whitespace', 'a1 b2 c3 d4 '.repeat(3), /repeated/],
  ])('refuses %s', (_label, secret, reason) => {
    expect(secretWeakness(secret)).toMatch(reason);
  });

  // 32 distinct characters: 160 bits by the estimate, no run, no repeated unit.
  const STRONG_32 = 'q7Vd9Lx2Rb4Kt8Wm1Zp6Hs3Nc5Fj0GaE';

  it('passes exactly 32 bytes and refuses 31', () => {
    expect(secretWeakness(STRONG_32)).toBeUndefined();
    expect(secretWeakness(STRONG_32.slice(0, 31))).toBe('it is shorter than 32 bytes');
  });

  it('passes a secret that merely starts or ends with a doubled character', () => {
    expect(secretWeakness(`qq${STRONG_32}`)).toBeUndefined();
    expect(secretWeakness(`${STRONG_32}EE`)).toBeUndefined();
  });

  it('passes 8 distinct characters, given enough of them, and refuses 7', () => {
    const eight = 'amyeq3iumyeq3iuayeq3iuameq3iuamyq3iuamye3iuamyeq';
    expect(secretWeakness(eight)).toBeUndefined();
    expect(secretWeakness(eight.replaceAll('3', 'a'))).toBe('it uses only 7 different characters');
  });

  it('passes neighbouring characters for half of the pairs, and refuses them for more than half', () => {
    const halfRuns = 'abdeghjkmnpqstvwABDEGHJKMNPQSTVW0'; // 16 steps in 32 pairs
    expect(secretWeakness(halfRuns)).toBeUndefined();
    expect(secretWeakness(`xyz${halfRuns.slice(2, 32)}`)).toMatch(/run of neighbouring/); // 17 steps in 32 pairs
  });

  it('suggests a command whose output passes: 48 random bytes in base64', () => {
    expect(GENERATE_SECRET_HINT).toBe('generate one with: openssl rand -base64 48');
    expect(secretWeakness(randomBytes(48).toString('base64'))).toBeUndefined();
  });

  it('passes an estimate of exactly 128 bits (16 characters, each twice)', () => {
    expect(secretWeakness('acegikmoqsuwy024420ywusqomkigeca')).toBeUndefined();
  });
});
