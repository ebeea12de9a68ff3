import { Logger } from '@nestjs/common';
import { FindOptionsWhere, LessThan, Repository } from 'typeorm';

/** How often the clean-ups of expired rows run (`@Interval(CLEANUP_INTERVAL_MS)`). */
export const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Runs one clean-up of expired rows and answers how many it removed; a
 * failure (the database away, say) is logged and left to the next run, never
 * thrown into the scheduler.
 */
export async function cleanUp(logger: Logger, what: string, removeExpired: () => Promise<number>): Promise<number> {
  try {
    return await removeExpired();
  } catch (error) {
    logger.warn(`${what} clean-up failed; next try in an hour: ${(error as Error).message}`);
    return 0;
  }
}

/** The common clean-up: the rows of `rows` whose `expiresAt` is before `now`. */
export function deleteExpiredRows<T extends { expiresAt: Date }>(logger: Logger, what: string, rows: Repository<T>, now: number): Promise<number> {
  return cleanUp(logger, what, async () => {
    const result = await rows.delete({ expiresAt: LessThan(new Date(now)) } as FindOptionsWhere<T>);
    return result.affected ?? 0;
  });
}
