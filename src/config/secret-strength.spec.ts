import { randomBytes } from 'node:crypto';
import { secretWeakness } from './secret-strength';

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
  ])('refuses %s', (_label, secret, reason) => {
    expect(secretWeakness(secret)).toMatch(reason);
  });
});
