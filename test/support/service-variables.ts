import { getMetadataStorage } from 'class-validator';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/app-config';
import * as environment from '../../src/config/environment';

const SRC = join(__dirname, '..', '..', 'src');

/**
 * The variables the service reads, found in the code rather than listed here.
 * `loadConfig` gathers every module's configuration; it is handed an `env`
 * that records every name looked up in it (NODE_ENV, and PORT for APP_URL's
 * default, are read directly). Each module reads its own variables with
 * `readEnvironment(ItsEnvironmentClass, env)`, which copies `env` wholesale
 * instead of looking names up, so those come from the classes it is handed:
 * the properties each declares (and class-validator's metadata of them).
 * Last, what src/ reads from `process.env` by name outside the configuration
 * (main.ts). Not counted: the variables of the libraries the service uses
 * (theirs, not the service's), and those of bench/ and scripts/ (BENCH_*,
 * documented with the tools).
 */
export function variablesTheServiceReads(): Set<string> {
  const { variables } = namesTheServiceLooksUp();
  return variables;
}

/**
 * The variables the service looks up in their `NAME_FILE` form too, by
 * name, as it reads them: a secret given as a file must be one of these.
 * Empty when the file forms are resolved wholesale instead (every `*_FILE`).
 */
export function variablesTheServiceReadsFromFiles(): Set<string> {
  const { fromFiles } = namesTheServiceLooksUp();
  return fromFiles;
}

const FILE_SUFFIX = '_FILE';

/**
 * Every name looked up, split: the variables, and those also looked up as
 * `NAME_FILE` (the file form of a variable the service reads, documented once
 * for all of them rather than each in the configuration tables).
 */
function namesTheServiceLooksUp(): { variables: Set<string>; fromFiles: Set<string> } {
  const read = namesLookedUp();
  const isFileForm = (name: string) => name.endsWith(FILE_SUFFIX) && read.has(name.slice(0, -FILE_SUFFIX.length));
  return {
    variables: new Set([...read].filter((name) => !isFileForm(name))),
    fromFiles: new Set([...read].filter(isFileForm).map((name) => name.slice(0, -FILE_SUFFIX.length))),
  };
}

function namesLookedUp(): Set<string> {
  const read = new Set<string>();
  const recordingEnv = new Proxy<environment.Env>(
    {},
    {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
      has: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return false;
      },
    },
  );
  const readEnvironment = jest.spyOn(environment, 'readEnvironment');
  let environmentClasses: Array<new () => object>;
  try {
    loadConfig(recordingEnv);
    environmentClasses = readEnvironment.mock.calls.map(([Environment]) => Environment);
  } finally {
    readEnvironment.mockRestore();
  }
  if (environmentClasses.length === 0) throw new Error('loadConfig never called readEnvironment: the modules read their variables some other way now');
  for (const Environment of environmentClasses) {
    const validated = getMetadataStorage()
      .getTargetValidationMetadatas(Environment, '', true, false)
      .map((metadata) => metadata.propertyName);
    for (const name of [...Object.keys(new Environment()), ...validated]) read.add(name);
  }
  for (const name of processEnvReadsIn(SRC)) read.add(name);
  return read;
}

/** `process.env.NAME`, `process.env['NAME']` and `const { NAME } = process.env` in the service's code (tests excluded). */
function processEnvReadsIn(directory: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts')) continue;
    const code = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const [, dotted, indexed] of code.matchAll(/process\.env(?:\.(\w+)|\[\s*['"](\w+)['"]\s*\])/g)) names.push(dotted ?? indexed);
    for (const [, destructured] of code.matchAll(/\{([^{}]*)\}\s*=\s*process\.env\b/g)) {
      names.push(
        ...destructured
          .split(',')
          .map((part) => part.split(':')[0].trim())
          .filter(Boolean),
      );
    }
  }
  return names;
}
