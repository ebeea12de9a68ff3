import { Secret, TOTP } from 'otpauth';
import { isTotpCode, matchingStep, newTotpSecret, otpauthUri } from './totp';

const T = Date.UTC(2026, 11, 3, 12, 0, 15);
const STEP = Math.floor(T / 30_000);

function codeAt(secret: string, timestamp: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp });
}

describe('TOTP', () => {
  const secret = newTotpSecret();

  it('makes secrets of 160 random bits in base32', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it.each([
    ['the current step', 0],
    ['the previous step', -1],
    ['the next step', 1],
  ])('accepts a code of %s and names that step', (_label, offset) => {
    expect(matchingStep(secret, codeAt(secret, T + offset * 30_000), T)).toBe(STEP + offset);
  });

  it.each([
    ['two steps back', -2],
    ['two steps ahead', 2],
  ])('refuses a code of %s', (_label, offset) => {
    const code = codeAt(secret, T + offset * 30_000);
    // A code of another step may collide with one of the window by chance (one in a million per step).
    const collides = [-1, 0, 1].some((near) => codeAt(secret, T + near * 30_000) === code);
    expect(matchingStep(secret, code, T)).toBe(collides ? expect.any(Number) : null);
  });

  it('ignores spaces, and refuses what is not six digits', () => {
    const code = codeAt(secret, T);
    expect(matchingStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, T)).toBe(STEP);
    expect(matchingStep(secret, code.slice(1), T)).toBeNull();
    expect(matchingStep(secret, `${code}0`, T)).toBeNull();
    expect(matchingStep(secret, 'abcdef', T)).toBeNull();
    expect(isTotpCode(` ${code} `)).toBe(true);
    expect(isTotpCode('abcde-fghjk')).toBe(false);
  });

  it('refuses the code of another secret', () => {
    const other = newTotpSecret();
    const code = codeAt(other, T);
    const collides = [-1, 0, 1].some((near) => codeAt(secret, T + near * 30_000) === code);
    expect(matchingStep(secret, code, T)).toBe(collides ? expect.any(Number) : null);
  });

  it('writes the otpauth URI authenticator apps read, issuer and account escaped', () => {
    expect(otpauthUri('Auth service', 'ann+x@example.com', 'JBSWY3DPEHPK3PXP')).toBe(
      'otpauth://totp/Auth%20service:ann%2Bx%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Auth%20service&algorithm=SHA1&digits=6&period=30',
    );
  });
});
