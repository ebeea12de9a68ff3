import { applyDecorators } from '@nestjs/common';
import { dictionary } from '@zxcvbn-ts/language-common';
import { IsString, Length, registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/**
 * The password rules, in one place: every DTO that takes a new password
 * (registration, password change, and later a reset) uses NewPasswordRules.
 * No composition rules (NIST SP 800-63B).
 */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** About 49,000 of the most common passwords (zxcvbn-ts's list, drawn from leaked-password corpora). */
let commonPasswords: Set<string> | undefined;

/** Passwords are compared, hashed and judged in this form, so the same passphrase typed on two keyboards is one. */
function canonical(password: string): string {
  return password.normalize('NFKC');
}

/** Whether the password, NFKC-normalised and lower-cased, is on the common-password list. */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(dictionary['passwords-common']);
  return commonPasswords.has(canonical(password).toLowerCase());
}

/** Whether the password is nothing but whitespace once NFKC-normalised (ideographic and no-break spaces included). */
export function isBlankPassword(password: string): boolean {
  return canonical(password).trim() === '';
}

/** A new password: 8 to 256 characters, not all whitespace, not a common one. */
export const NewPasswordRules = (): PropertyDecorator =>
  applyDecorators(IsString(), Length(PASSWORD_MIN, PASSWORD_MAX), IsNotBlankPassword(), IsNotCommonPassword());

/** Refuses passwords from the common-password list. */
export function IsNotCommonPassword(options?: ValidationOptions): PropertyDecorator {
  return passwordRule(
    'isNotCommonPassword',
    (value) => !isCommonPassword(value),
    options,
    (property) => `${property} is one of the most common passwords, which attackers try first: choose another (a passphrase of several words works well)`,
  );
}

/** Refuses a password of nothing but whitespace. */
export function IsNotBlankPassword(options?: ValidationOptions): PropertyDecorator {
  return passwordRule(
    'isNotBlankPassword',
    (value) => !isBlankPassword(value),
    options,
    (property) => `${property} must not be only whitespace: choose a passphrase of words`,
  );
}

/** Refuses a new password equal (after NFKC) to the one in `currentProperty` of the same body. */
export function DiffersFromPassword(currentProperty: string, options?: ValidationOptions): PropertyDecorator {
  return passwordRule(
    'differsFromPassword',
    (value, args) => {
      const current = (args.object as Record<string, unknown>)[currentProperty];
      return typeof current !== 'string' || canonical(current) !== canonical(value);
    },
    options,
    (property) => `${property} must differ from the current password: changing it to itself would change nothing`,
  );
}

/** A rule on string values (other types are left to IsString). */
function passwordRule(
  name: string,
  isValid: (value: string, args: ValidationArguments) => boolean,
  options: ValidationOptions | undefined,
  message: (property: string) => string,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: (args: ValidationArguments) => message(args.property), ...options },
      validator: { validate: (value: unknown, args: ValidationArguments) => typeof value !== 'string' || isValid(value, args) },
    });
}
