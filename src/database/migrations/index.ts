import { InitialSchema1763800000000 } from './1763800000000-initial-schema';

/** Every migration, oldest first; listed explicitly so the same list serves the build, ts-jest and the CLI. */
export const migrations = [InitialSchema1763800000000];
