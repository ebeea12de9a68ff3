import { AppError } from '../common/error-code';

const RETURN_TO_MAX = 2048;
/** Control characters and backslashes, which browsers read in ways a URL parser here may not. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNSAFE = /[\u0000-\u001f\u007f\\]/;

/**
 * Where a sign-in at a provider sends the browser back: a path on APP_URL
 * (`/account`, or a full URL under APP_URL), or a URL on one of CORS_ORIGINS;
 * by default APP_URL. Anything else is 400 VALIDATION_FAILED, so the service
 * is never an open redirect. Answers an absolute URL.
 */
export function resolveReturnTo(returnTo: string | undefined, allowed: { appUrl: string; corsOrigins: string[] }): string {
  if (returnTo === undefined || returnTo === '') return allowed.appUrl;
  const app = new URL(allowed.appUrl);
  const appPath = app.pathname.replace(/\/+$/, '');
  const relative = returnTo.startsWith('/') && !returnTo.startsWith('//');
  const url = returnTo.length <= RETURN_TO_MAX && !UNSAFE.test(returnTo) ? parse(relative ? app.origin + appPath + returnTo : returnTo) : null;
  const onApp = url !== null && url.origin === app.origin && (url.pathname === appPath || url.pathname.startsWith(`${appPath}/`) || appPath === '');
  const onCorsOrigin = url !== null && !relative && allowed.corsOrigins.includes(url.origin);
  if (!url || url.username || url.password || !(onApp || onCorsOrigin)) {
    throw new AppError('VALIDATION_FAILED', 'returnTo must be a path on APP_URL or a URL on one of CORS_ORIGINS', {
      details: [{ field: 'returnTo', messages: ['returnTo must be a path on APP_URL or a URL on one of CORS_ORIGINS'] }],
    });
  }
  return url.href;
}

function parse(text: string): URL | null {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}
