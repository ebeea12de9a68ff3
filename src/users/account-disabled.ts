import { AppError } from '../common/error-code';

/** The refusal of every way in to an account an admin disabled. */
export function accountDisabled(): AppError {
  return new AppError('ACCOUNT_DISABLED', 'This account is disabled: ask an administrator');
}
