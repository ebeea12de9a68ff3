import { isEmail, registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

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

/**
 * A dot-atom local part (RFC 5322 section 3.2.3, with the UTF-8 of RFC 6531):
 * no quoted string, whose quotes a mail server would read otherwise than the
 * stored address (`"ann@evil.example"@company.example`), and no leading,
 * trailing or doubled dot.
 */
const DOT_ATOM_LOCAL_PART = /^[^\s"(),.:;<>@[\\\]]+(?:\.[^\s"(),.:;<>@[\\\]]+)*$/u;

/** Why the local part of an address (before its last `@`) is not a plain dot-atom one, or undefined. */
export function localPartProblem(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  return at > 0 && DOT_ATOM_LOCAL_PART.test(email.slice(0, at))
    ? undefined
    : 'must have a plain local part before the @ (no quotes, no leading, trailing or doubled dot)';
}

/** Why an address could be read as another one: look-alike characters or a quoted local part. */
export function ambiguityOf(normalizedEmail: string): string | undefined {
  return lookAlikeProblem(normalizedEmail) ?? localPartProblem(normalizedEmail);
}

/** Refuses addresses that could be read as another one (see ambiguityOf); runs on the normalised value. */
export function IsUnambiguousEmail(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isUnambiguousEmail',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: ({ value, property }: ValidationArguments) => `${property} ${ambiguityOf(String(value)) ?? 'is not valid'}`,
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value !== 'string' || ambiguityOf(value) === undefined },
    });
}

/** `email` in its canonical form when the service would take it at registration (EmailField's rules), else null. */
export function acceptableEmail(email: string): string | null {
  const normalized = normalizeEmail(email);
  return normalized.length <= 254 && ambiguityOf(normalized) === undefined && isEmail(normalized) ? normalized : null;
}
