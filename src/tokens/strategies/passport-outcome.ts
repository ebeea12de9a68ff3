import { AppError } from '../../common/error-code';

/**
 * What a Passport guard makes of its strategy's answer: a user, or the reason
 * it has none. A strategy that refused (an unknown key, a token of the wrong
 * form: our own AppError) keeps its code; a signature jsonwebtoken refused is
 * TOKEN_INVALID; errors (the database down) go on as they are.
 */
export function passportOutcome<T>(error: unknown, user: T | false | undefined, info: unknown, label: string): T {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- Passport's error goes on as it came
  if (error) throw error;
  if (user) return user;
  if (info instanceof AppError) throw info;
  throw new AppError('TOKEN_INVALID', `The ${label} is not valid`);
}
