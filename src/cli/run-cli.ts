import { ConfigError } from '../app-config';
import { prepareProcessEnvironment } from '../config/process-environment';

/**
 * Runs one command-line tool: its environment is prepared as the service's
 * (`.env` first; `NAME_FILE` secrets are read with each variable), and a
 * failure ends in one line on standard error and exit code 1.
 */
export function runCli(main: () => void | Promise<void>): void {
  Promise.resolve()
    .then(prepareProcessEnvironment)
    .then(main)
    .catch((error: unknown) => {
      console.error(describeFailure(error));
      process.exitCode = 1;
    });
}

function describeFailure(error: unknown): string {
  if (error instanceof ConfigError) return `Configuration error: ${error.message}`;
  // A refused connection to localhost is an AggregateError with no message, only a code.
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' && message ? message : typeof code === 'string' ? code : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
