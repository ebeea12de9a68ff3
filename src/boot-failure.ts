import pg from 'pg';
import { ConfigError } from './config/environment';
import { isDatabaseUnavailable } from './database/connectivity/database-unavailable';

/** The one line printed when the service cannot start: what is wrong, never a stack trace or a password. */
export function describeBootFailure(error: unknown, databaseUrl: string | undefined): string {
  if (error instanceof ConfigError) return `Configuration error: ${error.message}`;
  const server = databaseUrl?.trim() ? databaseServer(databaseUrl.trim()) : 'the embedded database';
  if (error instanceof pg.DatabaseError) return `The database at ${server} refused the connection: ${oneLine(error.message)}`;
  if (isDatabaseUnavailable(error)) {
    const code = (error as { code?: unknown }).code;
    return `Cannot reach the database at ${server}: ${typeof code === 'string' ? code : oneLine((error as Error).message)}`;
  }
  return `The service could not start: ${error instanceof Error ? oneLine(error.message) : String(error)}`;
}

function databaseServer(url: string): string {
  try {
    const { hostname, port, pathname } = new URL(url);
    return `${hostname}:${port || 5432}${pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
