import { plainToInstance } from 'class-transformer';
import { ValidateBy, ValidationOptions, validateSync } from 'class-validator';
import { parseDurationSeconds } from './duration';
import { ConfigError, Env } from './config-error';
import { resolveFileVariables } from './file-variables';

export { ConfigError } from './config-error';
export type { Env } from './config-error';

/** Variables whose values never appear in an error line: they may hold credentials. */
const SENSITIVE = /SECRET|TOKEN|PASSWORD|_KEY$|_URL$/;

/**
 * The variables an `Environment` class declares, read from `env` (or from the
 * file a `NAME_FILE` variable names; trimmed; an empty value counts as unset)
 * and validated with class-validator. The first
 * problem stops the boot with one line that names the variable (and shows its
 * value unless it may hold a credential). Each module's `registerAs` factory
 * reads its own variables this way, so a feature module adds its variables
 * with a class of its own.
 */
export function readEnvironment<T extends object>(Environment: new () => T, env: Env): T {
  resolveFileVariables(env, Object.keys(new Environment()));
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const trimmed = value?.trim();
    if (trimmed) values[name] = trimmed;
  }
  const environment = plainToInstance(Environment, values);
  // Every variable has a default: an unset one is not validated.
  const [problem] = validateSync(environment, { stopAtFirstError: true, skipMissingProperties: true });
  if (problem) {
    const message = Object.values(problem.constraints ?? {})[0] ?? 'is not valid';
    const shown = SENSITIVE.test(problem.property) ? '' : `="${values[problem.property]}"`;
    throw new ConfigError(`${problem.property}${shown} ${message}`);
  }
  return environment;
}

/** A duration: `10s`, `15m`, `30d` or plain seconds, of at least `minSeconds`. */
export function IsDuration(minSeconds = 0, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDuration',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (parseDurationSeconds(value) ?? -1) >= minSeconds,
        defaultMessage: () => `is not a valid duration (use 10s, 15m, 30d or plain seconds${minSeconds > 0 ? `, at least ${minSeconds}` : ''})`,
      },
    },
    options,
  );
}

/** `true`/`false` (or `1`/`0`, `yes`/`no`). */
export function IsBooleanText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBooleanText',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && /^(true|false|1|0|yes|no)$/i.test(value),
        defaultMessage: () => 'must be true or false',
      },
    },
    options,
  );
}

/** A whole number within `min`..`max`. */
export function IsWholeNumber(min: number, max = Number.MAX_SAFE_INTEGER, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWholeNumber',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max,
        defaultMessage: () => (max === Number.MAX_SAFE_INTEGER ? `must be a whole number of at least ${min}` : `must be a whole number from ${min} to ${max}`),
      },
    },
    options,
  );
}

/** Whole seconds of a validated duration variable, or of `fallback`. */
export function seconds(value: string | undefined, fallback: string): number {
  return parseDurationSeconds(value ?? fallback)!;
}

/** A validated boolean variable, or `fallback`. */
export function flag(value: string | undefined, fallback: boolean): boolean {
  return value === undefined ? fallback : /^(true|1|yes)$/i.test(value);
}

export function isProduction(env: Env): boolean {
  return env.NODE_ENV?.trim() === 'production';
}
