import { Column, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { AppError } from '../common/error-code';

/**
 * The `seq` column that newestFirstPage() orders by: a bigint identity the
 * database assigns on insert, read as a string on both drivers (PGlite reads
 * bigint as a number).
 */
export const InsertionOrderColumn = (): PropertyDecorator =>
  Column({
    type: 'bigint',
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    insert: false,
    update: false,
    transformer: { from: (value: string | number | null) => (value == null ? value : String(value)), to: (value: unknown) => value },
  });

export interface NewestFirstPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One page of rows that carry their insertion order (`seq`, a bigint identity),
 * newest first; `cursor` is the previous page's `nextCursor`, named `field`
 * in the query string.
 */
export async function newestFirstPage<T extends ObjectLiteral & { seq: string }>(
  query: SelectQueryBuilder<T>,
  limit: number,
  cursor: string | undefined,
  field: string,
): Promise<NewestFirstPage<T>> {
  query.orderBy(`${query.alias}.seq`, 'DESC').limit(limit + 1);
  if (cursor !== undefined) {
    if (!/^\d{1,18}$/.test(cursor)) throw invalidCursor(field);
    query.andWhere(`${query.alias}.seq < :cursor`, { cursor });
  }
  const rows = await query.getMany();
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1].seq : null };
}

/** 400 for a cursor that no page handed out. */
export function invalidCursor(field: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field} must be the nextCursor of a previous page`, {
    details: [{ field, messages: [`${field} must be a nextCursor value`] }],
  });
}
