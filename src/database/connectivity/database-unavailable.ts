import { QueryFailedError } from 'typeorm';

/** Raised instead of touching the database while it is known to be unreachable. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';

  constructor(message = 'The database is unreachable') {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Driver errors that meant the connection, not the statement, failed (tagged by the driver adapter). */
const connectionFailures = new WeakSet<object>();

export function markConnectionFailure<E>(error: E): E {
  if (typeof error === 'object' && error !== null) connectionFailures.add(error);
  return error;
}

/** Whether an error, as TypeORM hands it on, means the database could not be reached or the connection was lost. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const cause: unknown = error instanceof QueryFailedError ? error.driverError : error;
  return cause instanceof DatabaseUnavailableError || (typeof cause === 'object' && cause !== null && connectionFailures.has(cause));
}
