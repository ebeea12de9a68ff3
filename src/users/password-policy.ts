import { dictionary } from '@zxcvbn-ts/language-common';
import { registerDecorator, ValidationOptions } from 'class-validator';

/** About 49,000 of the most common passwords (zxcvbn-ts's list, drawn from leaked-password corpora). */
let commonPasswords: Set<string> | undefined;

/** Whether the password, NFKC-normalised and lower-cased, is on the common-password list. */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(dictionary['passwords-common'] as string[]);
  return commonPasswords.has(password.normalize('NFKC').toLowerCase());
}

/** Refuses passwords from the common-password list; no composition rules (NIST SP 800-63B). */
export function IsNotCommonPassword(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isNotCommonPassword',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `${String(propertyName)} is one of the most common passwords, which attackers try first: choose another (a passphrase of several words works well)`,
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value !== 'string' || !isCommonPassword(value) },
    });
}
