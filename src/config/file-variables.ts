import { readFileSync } from 'node:fs';
import { ConfigError, Env } from './environment';

const FILE_SUFFIX = '_FILE';

/**
 * Docker and Kubernetes secrets arrive as files: for every `X_FILE` in `env`,
 * the file's content (less one trailing newline, which `echo` and editors
 * add) becomes `X`. Runs before any configuration is read, so every variable
 * may come from a file, the libraries' own (`OTEL_*`) included. Setting both
 * forms is refused rather than one silently winning.
 */
export function resolveFileVariables(env: Env): void {
  for (const [fileName, path] of Object.entries(env)) {
    if (!fileName.endsWith(FILE_SUFFIX) || !path?.trim()) continue;
    const name = fileName.slice(0, -FILE_SUFFIX.length);
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) continue;
    if (env[name]?.trim()) throw new ConfigError(`${name} and ${fileName} are both set; set one of them`);
    env[name] = readValue(fileName, path.trim());
    // Resolved once: a second pass (the CLI, then createApp) must not see both forms.
    delete env[fileName];
  }
}

function readValue(fileName: string, path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`${fileName}="${path}" cannot be read (${reason})`);
  }
}
