/**
 * A part of a larger SQL statement, run as one of its CTEs:
 * `sql(source, firstParam)` reads the rows of the CTE `source` and numbers its
 * own parameters from `firstParam`.
 */
export interface StatementPart {
  sql: (source: string, firstParam: number) => string;
  params: unknown[];
}

/** `parts` as further CTEs of a statement whose parameters end at `$used`: their SQL and their parameters. */
export function withParts(source: string, used: number, parts: Array<StatementPart | undefined>): { ctes: string; params: unknown[] } {
  let ctes = '';
  const params: unknown[] = [];
  parts.forEach((part, index) => {
    if (!part) return;
    ctes += `, part${index} AS (${part.sql(source, used + params.length + 1)})`;
    params.push(...part.params);
  });
  return { ctes, params };
}
