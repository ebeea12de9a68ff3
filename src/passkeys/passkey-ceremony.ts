import { AppError } from '../common/error-code';

/** ES256 and RS256: what platform authenticators and security keys offer. */
export const PASSKEY_ALGORITHMS = [-7, -257];

/** How long a challenge lives on the server, and the browser's prompt may wait for the user. */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60 * 1000;

export function passkeyInvalid(message: string, status?: number): AppError {
  return new AppError('PASSKEY_INVALID', message, { status });
}
