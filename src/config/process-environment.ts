import { config as loadDotEnv } from 'dotenv';
import { fileVariablesNamed, resolveFileVariables } from './file-variables';

/**
 * The process's environment as every entry point reads it: `.env` beside the
 * service (never overriding what is already set), and OpenTelemetry's
 * `OTEL_*_FILE` secrets, which its SDK reads from the environment itself. The
 * service's own `NAME_FILE` variables are resolved where they are read
 * (`readEnvironment`).
 */
export function prepareProcessEnvironment(): void {
  loadDotEnv({ quiet: true });
  resolveFileVariables(process.env, fileVariablesNamed(process.env, 'OTEL_'));
}
