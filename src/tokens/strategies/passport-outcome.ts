import type { Strategy } from 'passport';
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
export function authenticateWith<T>(strategy: Strategy, request: object, label: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const attempt = Object.create(strategy) as StrategyAttempt;
    const settle = (error: unknown, user: T | false, info?: unknown) => {
      try {
        resolve(passportOutcome(error, user, info, label));
      } catch (refusal) {
        reject(refusal as Error);
      }
    };
    attempt.success = (user) => settle(null, user as T);
    attempt.fail = (info) => settle(null, false, info);
    attempt.error = (error) => settle(error, false);
    attempt.authenticate(request as Parameters<Strategy['authenticate']>[0]);
  });
}
