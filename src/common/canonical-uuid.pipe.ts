import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { AppError } from './error-code';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A uuid from the path, in its one canonical (lower-case) form. PostgreSQL
 * compares uuids case-insensitively but cache keys and invalidations are
 * strings: every id the service handles must be written one way only.
 */
@Injectable()
export class CanonicalUuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      const field = metadata.data ?? 'id';
      throw new AppError('VALIDATION_FAILED', `${field} must be a uuid`, {
        details: [{ field, messages: [`${field} must be a uuid`] }],
      });
    }
    return value.toLowerCase();
  }
}
