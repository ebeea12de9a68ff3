import { randomInt } from 'node:crypto';

/** Crockford's base32 in lower case: no i, l, o or u to misread. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const LENGTH = 10;
export const RECOVERY_CODE_COUNT = 10;

/** Ten new codes, each 10 symbols (50 random bits), shown as `xxxxx-xxxxx`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const symbols = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${symbols.slice(0, 5)}-${symbols.slice(5)}`;
  });
}

/**
 * The form a code is stored under: case, hyphens and spaces do not matter,
 * and the look-alikes o, i and l read as 0, 1 and 1. Null when it cannot be a
 * recovery code at all.
 */
export function canonicalRecoveryCode(input: string): string | null {
  const symbols = input
    .toLowerCase()
    .replace(/[\s-]+/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');
  if (symbols.length !== LENGTH || [...symbols].some((symbol) => !ALPHABET.includes(symbol))) return null;
  return symbols;
}
