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

interface StrategyAttempt {
  success(user: unknown): void;
  fail(info?: unknown): void;
  error(error: unknown): void;
  authenticate(request: object): void;
}

/**
 * Runs a registered Passport strategy on `request` outside an HTTP guard, the
 * way Passport's own middleware does (a copy of the strategy whose `success`,
 * `fail` and `error` settle the outcome), so that a token that did not come
 * over HTTP gets the very checks of the strategy.
 */
export async function authenticateWith<T>(strategy: object, request: object, label: string): Promise<T> {
  const outcome = await new Promise<{ error: unknown; user: T | false; info?: unknown }>((settle) => {
    const attempt = Object.create(strategy) as StrategyAttempt;
    attempt.success = (user) => settle({ error: null, user: user as T });
    attempt.fail = (info) => settle({ error: null, user: false, info });
    attempt.error = (error) => settle({ error, user: false });
    attempt.authenticate(request);
  });
  return passportOutcome(outcome.error, outcome.user, outcome.info, label);
}
