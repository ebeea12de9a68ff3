/** HS256 secrets: at least 32 bytes, and as hard to guess as 128 random bits by the estimate below. */
export const MIN_SECRET_BYTES = 32;
const MIN_ESTIMATED_BITS = 128;
const MIN_DISTINCT_CHARACTERS = 8;

export const GENERATE_SECRET_HINT = 'generate one with: openssl rand -base64 48';

/**
 * Why `secret` is too weak to sign tokens, or undefined. Length alone is not
 * strength: a repeated unit (`aaaa…`, `abcabc…`), very few distinct
 * characters, mostly runs of neighbouring characters, or a low Shannon estimate (the entropy of the secret's own
 * character frequencies × its length, generous to every random encoding:
 * 32 random bytes in hex or base64 score over 200 bits) are refused.
 */
export function secretWeakness(secret: string): string | undefined {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) return `it is shorter than ${MIN_SECRET_BYTES} bytes`;
  if (/^([\s\S]+?)\1+$/.test(secret)) return 'it is one short pattern repeated';
  const characters = [...secret];
  const counts = new Map<string, number>();
  for (const character of characters) counts.set(character, (counts.get(character) ?? 0) + 1);
  if (counts.size < MIN_DISTINCT_CHARACTERS) return `it uses only ${counts.size} different characters`;
  if (isMostlyRuns(characters)) return 'it is mostly a run of neighbouring characters (abcd…, 1234…)';
  let bitsPerCharacter = 0;
  for (const count of counts.values()) {
    const p = count / characters.length;
    bitsPerCharacter -= p * Math.log2(p);
  }
  if (bitsPerCharacter * characters.length < MIN_ESTIMATED_BITS) return 'it has too little entropy (it looks like words or a pattern, not random bytes)';
  return undefined;
}

/** Whether most neighbours differ by at most one code point (random text of any encoding: a fifth at most). */
function isMostlyRuns(characters: string[]): boolean {
  let steps = 0;
  for (let index = 1; index < characters.length; index++) {
    if (Math.abs(characters[index].codePointAt(0)! - characters[index - 1].codePointAt(0)!) <= 1) steps++;
  }
  return steps * 2 > characters.length - 1;
}
