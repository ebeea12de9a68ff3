import { LRUCache } from 'lru-cache';
import { CacheInvalidation } from './cache-invalidation.service';

export interface ReadThroughCacheOptions<V> {
  /** At most this many entries (least recently used leave first). */
  max: number;
  /** A safety net: even a missed invalidation heals after this long. */
  ttlMs: number;
  /**
   * What an invalidation key drops: one cache key, or a test of the entries
   * to drop (a scan: keep it for rare changes). `*` always drops everything.
   */
  invalidatedBy: (key: string) => string | ((value: V) => boolean) | undefined;
  /** Hears each lookup's result (metrics). */
  onLookup?: (result: 'hit' | 'miss' | 'bypass') => void;
}

/**
 * A bounded cache in front of database reads, invalidated through
 * CacheInvalidation. It is bypassed while invalidations cannot be trusted, and
 * a load that raced an invalidation is returned but not stored.
 */
export class ReadThroughCache<V extends object> {
  private readonly entries: LRUCache<string, V>;

  constructor(
    private readonly invalidation: CacheInvalidation,
    private readonly options: ReadThroughCacheOptions<V>,
  ) {
    this.entries = new LRUCache<string, V>({ max: options.max, ttl: options.ttlMs });
    invalidation.subscribe((key) => this.invalidate(key));
  }

  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    if (!this.invalidation.healthy) {
      this.options.onLookup?.('bypass');
      return load();
    }
    const cached = this.entries.get(key);
    this.options.onLookup?.(cached === undefined ? 'miss' : 'hit');
    if (cached !== undefined) return cached;
    const epoch = this.invalidation.epoch;
    const value = await load();
    if (value !== null && epoch === this.invalidation.epoch && this.invalidation.healthy) this.entries.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  private invalidate(key: string): void {
    if (key === '*') return this.entries.clear();
    const target = this.options.invalidatedBy(key);
    if (typeof target === 'string') {
      this.entries.delete(target);
    } else if (target) {
      for (const [cacheKey, value] of this.entries.entries()) if (target(value)) this.entries.delete(cacheKey);
    }
  }
}
