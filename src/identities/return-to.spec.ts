import { AppError } from '../common/error-code';
import { resolveReturnTo } from './return-to';

const ALLOWED = { appUrl: 'https://example.com/app', corsOrigins: ['https://spa.example.com'] };

describe('resolveReturnTo', () => {
  it('defaults to APP_URL', () => {
    expect(resolveReturnTo(undefined, ALLOWED)).toBe('https://example.com/app');
    expect(resolveReturnTo('', ALLOWED)).toBe('https://example.com/app');
  });

  it('takes a path relative to APP_URL, a URL under APP_URL, and a URL on a CORS origin, as absolute URLs', () => {
    expect(resolveReturnTo('/account?tab=identities', ALLOWED)).toBe('https://example.com/app/account?tab=identities');
    expect(resolveReturnTo('https://example.com/app/settings', ALLOWED)).toBe('https://example.com/app/settings');
    expect(resolveReturnTo('https://example.com/app', ALLOWED)).toBe('https://example.com/app');
    expect(resolveReturnTo('https://spa.example.com/signed-in', ALLOWED)).toBe('https://spa.example.com/signed-in');
  });

  it.each([
    'https://evil.example/app',
    '//evil.example/app',
    '/\\evil.example',
    'https://example.com/application',
    'https://example.com/other',
    'http://example.com/app',
    'https://example.com.evil.example/app',
    'https://user@example.com/app',
    'javascript:alert(1)',
    '/app\nLocation: https://evil.example',
    `/${'a'.repeat(2048)}`,
    'http://spa.example.com/',
  ])('refuses %j: 400 VALIDATION_FAILED (no open redirect)', (returnTo) => {
    expect(() => resolveReturnTo(returnTo, ALLOWED)).toThrow(AppError);
    try {
      resolveReturnTo(returnTo, ALLOWED);
    } catch (error) {
      expect((error as AppError).code).toBe('VALIDATION_FAILED');
    }
  });

  it('takes any path on an APP_URL without one', () => {
    expect(resolveReturnTo('/anything', { appUrl: 'http://localhost:3000', corsOrigins: [] })).toBe('http://localhost:3000/anything');
  });
});
