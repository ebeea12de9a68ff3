import { readFileSync } from 'node:fs';
import { ConfigError, Env } from './config-error';

const FILE_SUFFIX = '_FILE';

/**
 * Docker and Kubernetes secrets arrive as files: for each of `names` whose
 * `NAME_FILE` is set in `env`, the file's content (less one trailing newline,
 * which `echo` and editors add) becomes `NAME`, and `NAME_FILE` is removed so
 * that a second reading finds the value. Only the service's own names are
 * resolved: the environment holds other programs' `*_FILE` variables too.
 * Setting both forms is refused rather than one silently winning.
 */
export function resolveFileVariables(env: Env, names: Iterable<string>): void {
  for (const name of names) {
    const fileName = name + FILE_SUFFIX;
    const path = env[fileName]?.trim();
    if (!path) continue;
    if (env[name]?.trim()) throw new ConfigError(`${name} and ${fileName} are both set; set one of them`);
    env[name] = readValue(fileName, path);
    delete env[fileName];
  }
}

/** The names of `NAME_FILE` variables in `env` whose NAME starts with `prefix`: for a library's own family of variables (`OTEL_`). */
export function fileVariablesNamed(env: Env, prefix: string): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith(prefix) && name.endsWith(FILE_SUFFIX))
    .map((name) => name.slice(0, -FILE_SUFFIX.length));
}

function readValue(fileName: string, path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`${fileName}="${path}" cannot be read (${reason})`);
  }
}
