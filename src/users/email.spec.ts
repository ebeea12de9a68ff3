import { lookAlikeProblem, normalizeEmail } from './email';

const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;

describe('normalizeEmail', () => {
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
