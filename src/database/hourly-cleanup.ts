import { Logger } from '@nestjs/common';

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
