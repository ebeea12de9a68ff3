import { AppError } from './error-code';
import { assertSafeStrings, MAX_JSON_DEPTH, parseJsonBody } from './json-body';

/** `depth` objects nested in one another: `{"a":{"a":1}}` is 2. */
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** What `act` threw, for assertions on the AppError's fields. */
function thrown(act: () => unknown): AppError {
  try {
    act();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('nothing was thrown');
}

describe('parseJsonBody', () => {
  it('parses JSON', () => {
    expect(parseJsonBody('{"email":"ann@example.com","tags":["a",{"b":null}],"n":1.5}')).toEqual({
      email: 'ann@example.com',
      tags: ['a', { b: null }],
      n: 1.5,
    });
  });

  it.each([
    ['objects', nestedObjects],
    ['arrays', nestedArrays],
  ])('reads %s nested MAX_JSON_DEPTH (32) deep and refuses one level more', (_kind, nested) => {
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(() => parseJsonBody(nested(32))).not.toThrow();
    expect(thrown(() => parseJsonBody(nested(33)))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'The request body is JSON nested deeper than 32 levels',
    });
  });

  it('counts depth, not brackets: closed objects and arrays side by side stay shallow', () => {
    const body = JSON.stringify({ first: JSON.parse(nestedObjects(30)), second: JSON.parse(nestedArrays(30)), third: JSON.parse(nestedObjects(30)) });
    expect(() => parseJsonBody(body)).not.toThrow();
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const body = JSON.stringify({ text: `"${'{['.repeat(40)}`, after: '\\', deep: JSON.parse(nestedObjects(30)) });
    expect(parseJsonBody(body)).toMatchObject({ text: `"${'{['.repeat(40)}`, after: '\\' });
  });

  it('refuses text that is not JSON', () => {
    expect(thrown(() => parseJsonBody('{"email":'))).toMatchObject({ code: 'VALIDATION_FAILED', message: 'The request body is not valid JSON' });
  });

  it.each(['{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}'])('refuses the prototype-polluting body %s', (body) => {
    expect(thrown(() => parseJsonBody(body))).toMatchObject({ code: 'VALIDATION_FAILED', message: 'The request body is not valid JSON' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a NUL character in a value, naming the field', () => {
    expect(thrown(() => parseJsonBody('{"name":"Ann\\u0000"}'))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'The request body (name) must not hold a NUL character or an unpaired UTF-16 surrogate',
    });
  });
});

describe('assertSafeStrings', () => {
  it.each([
    ['plain text', { name: 'Ann', tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } }],
    ['a paired surrogate (an emoji)', { name: 'Ann \ud83d\ude00' }],
    ['numbers, booleans and null', [42, true, null]],
    ['nothing at all', undefined],
  ])('passes %s', (_label, value) => {
    expect(() => assertSafeStrings(value, 'The request body')).not.toThrow();
  });

  it.each([
    ['a NUL character', { name: 'Ann\u0000' }, 'name'],
    ['a lone high surrogate', { profile: { name: 'Ann\ud83d' } }, 'profile.name'],
    ['a lone low surrogate', { tags: ['ok', 'x\udc00'] }, 'tags.1'],
  ])('refuses %s, naming the field by its path', (_label, value, field) => {
    expect(thrown(() => assertSafeStrings(value, 'The request body'))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: `The request body (${field}) must not hold a NUL character or an unpaired UTF-16 surrogate`,
      details: [{ field, messages: [`${field} must not hold a NUL character or an unpaired UTF-16 surrogate`] }],
    });
  });

  it('refuses a NUL character in a key, naming it <key> without echoing it', () => {
    const error = thrown(() => assertSafeStrings({ profile: { 'na\u0000me': 'Ann' } }, 'The query string'));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'profile.<key>' }] });
    expect(error.message).toBe('The query string (profile.<key>) must not hold a NUL character or an unpaired UTF-16 surrogate');
  });

  it('calls a bare unsafe string the body', () => {
    expect(thrown(() => assertSafeStrings('Ann\u0000', 'The path'))).toMatchObject({
      message: 'The path must not hold a NUL character or an unpaired UTF-16 surrogate',
      details: [{ field: 'body', messages: ['body must not hold a NUL character or an unpaired UTF-16 surrogate'] }],
    });
  });

  it('names the first unsafe field only', () => {
    expect(thrown(() => assertSafeStrings({ a: 'ok', b: '\u0000', c: '\u0000' }, 'The request body')).details).toEqual([
      { field: 'b', messages: ['b must not hold a NUL character or an unpaired UTF-16 surrogate'] },
    ]);
  });
});
