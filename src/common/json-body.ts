import secureJson from 'secure-json-parse';
import { AppError, FieldError } from './error-code';

/** Deeper JSON is refused before it is parsed: no DTO nests, and class-transformer recurses without a limit. */
export const MAX_JSON_DEPTH = 32;

/** NUL (PostgreSQL refuses it in text) or a UTF-16 surrogate not part of a pair (the `u` flag matches only lone ones). */
// eslint-disable-next-line no-control-regex -- NUL is what this pattern is for
const UNSAFE_CHARACTER = /[\u0000\ud800-\udfff]/u;

/**
 * The one JSON body parser: a body nested deeper than MAX_JSON_DEPTH,
 * `__proto__`/`constructor` keys, and strings (values or keys) holding NUL or
 * an unpaired surrogate are all 400 VALIDATION_FAILED, before validation runs.
 */
export function parseJsonBody(text: string): unknown {
  if (depthExceeds(text, MAX_JSON_DEPTH)) {
    throw new AppError('VALIDATION_FAILED', `The request body is JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The request body is not valid JSON');
  }
  assertSafeStrings(value, 'The request body');
  return value;
}

/** Refuses NUL and unpaired surrogates in every string of `value` and in its keys, naming the field (never echoing it). */
export function assertSafeStrings(value: unknown, what: string): void {
  const field = unsafeField(value, '');
  if (field === undefined) return;
  const message = 'must not hold a NUL character or an unpaired UTF-16 surrogate';
  throw new AppError('VALIDATION_FAILED', `${what} ${field ? `(${field}) ` : ''}${message}`, {
    details: [{ field: field || 'body', messages: [`${field || 'body'} ${message}`] } satisfies FieldError],
  });
}

/** The path of the first unsafe string ('' for the value itself), or undefined. Only called on depth-checked values. */
function unsafeField(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return UNSAFE_CHARACTER.test(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${safeKey(key)}` : safeKey(key);
    if (UNSAFE_CHARACTER.test(key)) return itemPath;
    const found = unsafeField(item, itemPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

function safeKey(key: string): string {
  return UNSAFE_CHARACTER.test(key) ? '<key>' : key;
}

/** Whether brackets outside strings nest deeper than `max`, counted on the text (no recursion, whatever the input). */
function depthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c)
        index++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      if (++depth > max) return true;
    } else if (char === 0x7d || char === 0x5d) {
      depth--;
    }
  }
  return false;
}
