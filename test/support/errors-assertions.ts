import { ApiResponse } from './api-client';

/** A stack frame as Node prints it: `at fn (/path/file.js:12:3)` or `at /path/file.js:12:3`. */
const STACK_FRAME = /\bat .+:\d+:\d+/;
const LEAKS = [STACK_FRAME, /SELECT/, /INSERT INTO/, /QueryFailedError/, /TypeORMError/];

/** The response as text, for leak checks (the parsed JSON, or the raw text when it did not parse). */
export function responseText(response: ApiResponse): string {
  return typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
}

/** Asserts the text shows no stack frame, SQL or ORM error name. */
export function expectNoLeak(response: ApiResponse): void {
  const text = responseText(response);
  for (const leak of LEAKS) expect(text).not.toMatch(leak);
}

/**
 * Asserts the contract's error response: `status`, a JSON content type, the body
 * `{statusCode, error, code, message}` (plus `details` only for validation
 * errors) and nothing that leaks the internals.
 */
export function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const allowed = ['statusCode', 'error', 'code', 'message', ...(code === 'VALIDATION_FAILED' ? ['details'] : [])];
  expect(allowed).toEqual(expect.arrayContaining(Object.keys(response.body)));
  expect(response.body).toEqual(expect.objectContaining({ statusCode: status, error: expect.any(String), code, message: expect.any(String) }));
  expect(response.body.message).not.toBe('');
  expectNoLeak(response);
}
