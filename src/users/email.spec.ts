import { validate, validateSync } from 'class-validator';
import { IsUnambiguousEmail, localPartProblem, lookAlikeProblem, normalizeEmail } from './email';

const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;

describe('normalizeEmail', () => {
  it('trims, NFKC-normalises and lower-cases', () => {
    expect(normalizeEmail('  Ann.Lee@Example.COM \t')).toBe('ann.lee@example.com');
    expect(normalizeEmail('ＪＯＥ@ＥＸＡＭＰＬＥ.com')).toBe('joe@example.com');
    expect(normalizeEmail('rene\u0301@example.com')).toBe('ren\u00e9@example.com');
  });

  it('neither adds nor removes a control or format character, for every code point (so the check may run after it)', () => {
    const changed: string[] = [];
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const character = String.fromCodePoint(codePoint);
      if (CONTROL_OR_FORMAT.test(character) !== CONTROL_OR_FORMAT.test(normalizeEmail(`a${character}b`))) {
        changed.push(codePoint.toString(16));
      }
    }
    expect(changed).toEqual([]);
  });
});

describe('lookAlikeProblem', () => {
  it.each(['ann\u200d@example.com', 'ann\u00ad@example.com', 'ann\u200b@example.com', 'ann\ufeff@example.com', 'ann\u202e@example.com', 'a\u0000b@example.com'])(
    'finds an invisible character in %j',
    (email) => expect(lookAlikeProblem(normalizeEmail(email))).toMatch(/control or invisible format/),
  );

  it.each(['victim\u0338@example.com', '\u0301ann@example.com', 'ann@exa\u0336mple.com'])('finds a mark on an ASCII character in %j', (email) => {
    expect(lookAlikeProblem(normalizeEmail(email))).toMatch(/combining mark/);
  });

  it.each(['ann@example.com', 'rene\u0301@example.com', '\u0928\u092e\u0938\u094d\u0924\u0947@example.com', 'ｊｏｅ@example.com'])(
    'finds nothing wrong with %j',
    (email) => expect(lookAlikeProblem(normalizeEmail(email))).toBeUndefined(),
  );
});

describe('localPartProblem', () => {
  it.each([
    '"ann"@example.com',
    '"a@b"@example.com',
    '.ann@example.com',
    'ann.@example.com',
    'ann..lee@example.com',
    'a(b)@example.com',
    '@example.com',
    'no-at-sign',
  ])('refuses %j', (email) => expect(localPartProblem(email)).toMatch(/plain local part/));

  it.each(['ann@example.com', 'ann.lee@example.com', 'ann+tag@example.com', "o'brien@example.com", 'jos\u00e9@example.com'])('accepts %j', (email) =>
    expect(localPartProblem(email)).toBeUndefined(),
  );
});

describe('@IsUnambiguousEmail', () => {
  class Body {
    @IsUnambiguousEmail()
    email: unknown;
  }
  const problems = (email: unknown) => validateSync(Object.assign(new Body(), { email })).flatMap((error) => Object.values(error.constraints ?? {}));

  it('passes a plain address, and leaves other types to other rules', () => {
    expect(problems('ann@example.com')).toEqual([]);
    expect(problems(42)).toEqual([]);
  });

  it('names the field and the problem', () => {
    expect(problems('ann\u200d@example.com')).toEqual(['email must not hold control or invisible format characters (zero-width joiner, soft hyphen, ...)']);
    expect(problems('"ann"@example.com')).toEqual([expect.stringMatching(/^email must have a plain local part/)]);
  });

  it('reports its refusal as the isUnambiguousEmail constraint through validate()', async () => {
    const [error] = await validate(Object.assign(new Body(), { email: 'victim\u0338@example.com' }));
    expect(error.constraints).toEqual({ isUnambiguousEmail: 'email must not hold a combining mark on an ASCII character' });
  });
});
