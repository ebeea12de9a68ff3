import { config as loadDotEnv } from 'dotenv';
import { resolveFileVariables } from './file-variables';

/**
 * The process's environment as every entry point reads it: `.env` beside the
 * service (never overriding what is already set), then `X_FILE` secrets.
 */
export function prepareProcessEnvironment(): void {
  loadDotEnv({ quiet: true });
  resolveFileVariables(process.env);
}
