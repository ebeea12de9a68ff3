import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { AuthEvents1763800000001 } from './1763800000001-auth-events';
import { CacheInvalidations1764500000000 } from './1764500000000-cache-invalidations';

/** Every migration, oldest first; listed explicitly so the same list serves the build, ts-jest and the CLI. */
export const migrations = [InitialSchema1763800000000, AuthEvents1763800000001, CacheInvalidations1764500000000];
