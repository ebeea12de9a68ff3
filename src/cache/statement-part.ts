import type { QueryRunner } from 'typeorm';

/** Rows of the CTE a part reads, as the statement answers them. */
export type SourceRows = Array<Record<string, unknown>>;

/**
 * A part of a larger SQL statement, run as one of its CTEs:
 * `sql(source, firstParam)` reads the rows of the CTE `source` and numbers its
 * own parameters from `firstParam`. `ran`, when a part has one, is told the
 * rows of `source` once the statement has run (the statement must answer
 * them), and the runner it ran on.
 */
export interface StatementPart {
  sql: (source: string, firstParam: number) => string;
  params: unknown[];
  ran?: (rows: SourceRows, queryRunner: QueryRunner | undefined) => void;
}

export interface StatementParts {
  ctes: string;
  params: unknown[];
  /** Call with the rows the statement answered (those of `source`) once it has run. */
  ran: (rows: SourceRows, queryRunner: QueryRunner | undefined) => void;
}

/** `parts` as further CTEs of a statement whose parameters end at `$used`: their SQL, their parameters, and what follows the run. */
export function withParts(source: string, used: number, parts: Array<StatementPart | undefined>): StatementParts {
  let ctes = '';
  const params: unknown[] = [];
  parts.forEach((part, index) => {
    if (!part) return;
    ctes += `, part${index} AS (${part.sql(source, used + params.length + 1)})`;
    params.push(...part.params);
  });
  return { ctes, params, ran: (rows, queryRunner) => parts.forEach((part) => part?.ran?.(rows, queryRunner)) };
}
