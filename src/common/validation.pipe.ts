import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from './error-code';

/** Whitelisting validation: unknown properties are refused, failures become VALIDATION_FAILED with per-field details. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors: ValidationError[]) => {
      const details = flatten(errors);
      const summary = details.map((detail) => detail.messages.join('; ')).join('; ');
      return new AppError('VALIDATION_FAILED', summary || 'The request is not valid', { details });
    },
  });
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
