import { CacheInvalidation } from './cache-invalidation.service';
import { ReadThroughCache } from './read-through-cache';

interface Row {
  id: string;
  owner: string;
}

/** A stand-in for CacheInvalidation: `evict` plays an invalidation arriving. */
function setup() {
  const listeners: Array<(key: string) => void> = [];
  const invalidation = {
    healthy: true,
    epoch: 0,
    subscribe: (listener: (key: string) => void) => listeners.push(listener),
  };
  const evict = (key: string) => {
    invalidation.epoch++;
    listeners.forEach((listener) => listener(key));
  };
  const cache = new ReadThroughCache<Row>(invalidation as unknown as CacheInvalidation, {
    max: 100,
    ttlMs: 60_000,
    invalidatedBy: (key) => (key.startsWith('owner:') ? (row) => row.owner === key.slice(6) : key.startsWith('row:') ? key.slice(4) : undefined),
  });
  let loads = 0;
  const load = (row: Row | null) => async () => {
    loads++;
    return row;
  };
  return { cache, invalidation, evict, load, loads: () => loads };
}

describe('ReadThroughCache', () => {
  it('loads once, then answers from memory', async () => {
    const { cache, load, loads } = setup();
    await cache.get('a', load({ id: 'a', owner: 'x' }));
    expect(await cache.get('a', load({ id: 'a', owner: 'changed' }))).toEqual({ id: 'a', owner: 'x' });
    expect(loads()).toBe(1);
  });

  it('does not remember a miss', async () => {
    const { cache, load, loads } = setup();
    await cache.get('a', load(null));
    expect(await cache.get('a', load({ id: 'a', owner: 'x' }))).toEqual({ id: 'a', owner: 'x' });
    expect(loads()).toBe(2);
  });

  it('drops one entry by key and every matching entry by a scanning key', async () => {
    const { cache, evict, load } = setup();
    for (const id of ['a', 'b', 'c']) await cache.get(id, load({ id, owner: id === 'c' ? 'y' : 'x' }));
    evict('row:a');
    expect(cache.size).toBe(2);
    evict('owner:x');
    expect(cache.size).toBe(1);
    evict('*');
    expect(cache.size).toBe(0);
  });

  it('is bypassed while invalidations cannot be trusted', async () => {
    const { cache, invalidation, load, loads } = setup();
    invalidation.healthy = false;
    await cache.get('a', load({ id: 'a', owner: 'x' }));
    await cache.get('a', load({ id: 'a', owner: 'x' }));
    expect(loads()).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('does not store a load that raced an invalidation', async () => {
    const { cache, evict, loads } = setup();
    const stale = await cache.get('a', async () => {
      evict('row:a');
      return { id: 'a', owner: 'stale' };
    });
    expect(stale?.owner).toBe('stale');
    expect(cache.size).toBe(0);
    expect(loads()).toBe(0);
  });
});
