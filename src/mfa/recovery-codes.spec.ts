import { canonicalRecoveryCode, newRecoveryCodes, RECOVERY_CODE_COUNT } from './recovery-codes';

describe('recovery codes', () => {
  const codes = newRecoveryCodes();

  it('makes ten distinct codes of ten symbols without look-alikes, shown as xxxxx-xxxxx', () => {
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(RECOVERY_CODE_COUNT).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('uses the whole alphabet over many codes (no symbol left out, none added)', () => {
    const symbols = new Set(Array.from({ length: 40 }, () => newRecoveryCodes().join('').replace(/-/g, '')).join(''));
    expect([...symbols].sort().join('')).toBe('0123456789abcdefghjkmnpqrstvwxyz');
  });

  it('reads a code whatever its case, hyphens and spaces', () => {
    const [code] = codes;
    const canonical = code.replace('-', '');
    expect(canonicalRecoveryCode(code)).toBe(canonical);
    expect(canonicalRecoveryCode(code.toUpperCase())).toBe(canonical);
    expect(canonicalRecoveryCode(canonical)).toBe(canonical);
    expect(canonicalRecoveryCode(` ${code.slice(0, 3)} ${code.slice(3)} `)).toBe(canonical);
  });

  it('reads the look-alikes o, i and l as 0, 1 and 1', () => {
    expect(canonicalRecoveryCode('O1IL0-abcde')).toBe('01110abcde');
  });

  it.each([
    ['too short', 'abcde-fghj'],
    ['too long', 'abcde-fghjkm'],
    ['a symbol outside the alphabet (u)', 'abcde-fghju'],
    ['punctuation', 'abcde_fghjk'],
    ['empty', ''],
  ])('refuses %s', (_label, input) => {
    expect(canonicalRecoveryCode(input)).toBeNull();
  });
});
