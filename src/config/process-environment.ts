import { config as loadDotEnv } from 'dotenv';
import { fileVariablesNamed, resolveFileVariables } from './file-variables';

/**
 * The process's environment as every entry point reads it: `.env` beside the
 * service (never overriding what is already set), then the file forms of what
 * is read from the environment before any module's configuration:
 * `NODE_ENV_FILE`, and OpenTelemetry's `OTEL_*_FILE`, which its SDK reads
 * itself. The service's own `NAME_FILE` variables are resolved where they are
 * read (`readEnvironment`).
 */
export function prepareProcessEnvironment(): void {
  loadDotEnv({ quiet: true });
  resolveFileVariables(process.env, ['NODE_ENV', ...fileVariablesNamed(process.env, 'OTEL_')]);
}
