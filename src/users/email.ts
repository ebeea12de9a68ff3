import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/** The one canonical form of an email address: trimmed, NFKC-normalised, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

/** Unicode control and format characters: zero-width joiner and space, soft hyphen, BOM, bidi controls, ... */
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;
/** A combining mark right after an ASCII character or at the start: what NFKC did not compose into a letter. */
// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included
const MARK_ON_ASCII = /(?:^|[\u0000-\u007f])\p{M}/u;

/**
 * Why an address could pass for another one, or undefined. Invisible
 * characters are refused wherever they are: NFKC and lower-casing neither add
 * nor remove Cc/Cf characters (email.spec.ts checks every code point), so this
 * sees those of the raw input. A combining mark that NFKC left on an ASCII
 * character (`victim\u0338`) is refused; one composed into a letter (`e\u0301`
 * is `é`) or on a letter of a script that needs marks is not.
 */
export function lookAlikeProblem(normalizedEmail: string): string | undefined {
  if (CONTROL_OR_FORMAT.test(normalizedEmail)) {
    return 'must not hold control or invisible format characters (zero-width joiner, soft hyphen, ...)';
  }
  if (MARK_ON_ASCII.test(normalizedEmail)) return 'must not hold a combining mark on an ASCII character';
  return undefined;
}

/** Refuses addresses that could pass for another one (see lookAlikeProblem); runs on the normalised value. */
export function IsUnambiguousEmail(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isUnambiguousEmail',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: ({ value, property }: ValidationArguments) => `${property} ${lookAlikeProblem(String(value)) ?? 'is not valid'}`,
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value !== 'string' || lookAlikeProblem(value) === undefined },
    });
}
