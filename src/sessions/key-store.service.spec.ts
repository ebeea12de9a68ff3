import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CacheInvalidationModule } from '../cache/cache-invalidation.module';
import { TestConfigModule } from '../../test/support/test-config';
import { ClockModule } from '../common/clock';
import { ConnectivityModule } from '../database/connectivity/connectivity.module';
import { MetricsModule } from '../metrics/metrics.module';
import { dataSourceOptions } from '../database/data-source-options';
import { User } from '../users';
import { AssuranceLevel, AuthMethod, KeyStore } from './key-store.entity';
import { KeyStoreService, RotatedSession, RotationResult } from './key-store.service';
import { KeyPair, newRandomKey } from './session-keys';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

interface KeyStoreRow {
  id: string;
  generation: number;
  access_key_hash: string;
  refresh_key_hash: string;
  previous_refresh_key_hash: string | null;
  status: string;
  revoked_reason: string | null;
  expires_at: Date;
  max_expires_at: Date;
  aal: AssuranceLevel;
  amr: AuthMethod[];
}

/** KeyStoreService on a fresh in-memory database; `env` overrides configuration as API.md names it. */
async function setup(env: Record<string, string> = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TestConfigModule.from({ NODE_ENV: 'test', ...env }),
      TypeOrmModule.forRoot({ ...dataSourceOptions(undefined, 'memory://'), autoLoadEntities: true, migrationsRun: true, retryAttempts: 0 }),
      ConnectivityModule,
      ClockModule.forRoot(),
      MetricsModule,
      TypeOrmModule.forFeature([KeyStore, User]),
      CacheInvalidationModule,
    ],
    providers: [KeyStoreService],
  }).compile();
  const dataSource = moduleRef.get(DataSource);
  const keyStore = moduleRef.get(KeyStoreService);
  const newUser = async () =>
    (await dataSource.getRepository(User).insert({ email: `${randomUUID()}@example.com`, passwordHash: 'unused' })).identifiers[0].id as string;

  /** Starts a session with fresh random keys for `userId`, a new user when omitted. */
  const start = async (userId?: string) => {
    const owner = userId ?? (await newUser());
    const keys: KeyPair = { accessKey: newRandomKey(), refreshKey: newRandomKey() };
    const session = await keyStore.create({
      userId: owner,
      aal: 'aal1',
      amr: ['pwd'],
      keys,
      csrfTokenHash: sha256(newRandomKey()),
      userAgent: 'jest',
      ip: '127.0.0.1',
    });
    return { id: session.id, userId: owner, keys };
  };
  const row = async (id: string): Promise<KeyStoreRow> => (await dataSource.query('SELECT * FROM key_store WHERE id = $1', [id]))[0];
  const sql = (query: string, parameters: unknown[]) => dataSource.query(query, parameters);
  return { keyStore, newUser, start, row, sql, close: () => moduleRef.close() };
}

type Context = Awaited<ReturnType<typeof setup>>;

/** One module for the enclosing describe block. */
function withSetup(env: Record<string, string> = {}): () => Context {
  let context: Context;
  beforeAll(async () => {
    context = await setup(env);
  });
  afterAll(() => context?.close());
  return () => context;
}

/** The new pair of a successful rotation; fails the test on any other outcome. */
function pair(result: RotationResult): RotatedSession {
  if (!('keys' in result)) throw new Error(`expected a key pair, got outcome ${result.outcome}`);
  return result;
}

describe('KeyStoreService', () => {
  describe('with the default grace window', () => {
    const context = withSetup();

    it('stores only hashes of the keys, never a key itself', async () => {
      const { start, row } = context();
      const { id, keys } = await start();
      const stored = await row(id);
      expect(stored).toMatchObject({ generation: 1, status: 'active', access_key_hash: sha256(keys.accessKey), refresh_key_hash: sha256(keys.refreshKey) });
      expect(JSON.stringify(stored)).not.toContain(keys.accessKey);
      expect(JSON.stringify(stored)).not.toContain(keys.refreshKey);
    });

    it('rotates with the current refresh key: next generation, new keys, only their hashes stored', async () => {
      const { keyStore, start, row } = context();
      const { id, userId, keys } = await start();
      const rotated = pair(await keyStore.rotate(id, userId, keys.refreshKey));
      expect(rotated.outcome).toBe('rotated');
      expect(rotated.keys.accessKey).not.toBe(keys.accessKey);
      expect(rotated.keys.refreshKey).not.toBe(keys.refreshKey);
      expect(await row(id)).toMatchObject({
        generation: 2,
        access_key_hash: sha256(rotated.keys.accessKey),
        refresh_key_hash: sha256(rotated.keys.refreshKey),
        previous_refresh_key_hash: sha256(keys.refreshKey),
      });
    });

    it('returns the rotated session as stored: id, owner, generation and both expiries', async () => {
      const { keyStore, start, row } = context();
      const { id, userId, keys } = await start();
      const rotated = pair(await keyStore.rotate(id, userId, keys.refreshKey));
      const stored = await row(id);
      expect(rotated.session).toEqual({
        id,
        userId,
        generation: 2,
        expiresAt: stored.expires_at,
        maxExpiresAt: stored.max_expires_at,
        aal: stored.aal,
        amr: stored.amr,
      });
    });

    it('hands the previous refresh key, within the grace window, exactly the keys the rotation produced', async () => {
      const { keyStore, start, row } = context();
      const { id, userId, keys } = await start();
      const rotated = pair(await keyStore.rotate(id, userId, keys.refreshKey));
      const racer = pair(await keyStore.rotate(id, userId, keys.refreshKey));
      expect(racer.outcome).toBe('grace');
      expect(racer.keys).toEqual(rotated.keys);
      expect(racer.session).toMatchObject({ id, userId, generation: 2 });
      expect(await row(id)).toMatchObject({ generation: 2, status: 'active' });
    });

    it('reports a refresh key two generations old as reused even inside the grace window', async () => {
      const { keyStore, start } = context();
      const { id, userId, keys } = await start();
      const rotated = pair(await keyStore.rotate(id, userId, keys.refreshKey));
      await keyStore.rotate(id, userId, rotated.keys.refreshKey);
      expect(await keyStore.rotate(id, userId, keys.refreshKey)).toEqual({ outcome: 'reused' });
    });

    it('does not rotate a revoked session (ended) and keeps its reason', async () => {
      const { keyStore, start, row } = context();
      const { id, userId, keys } = await start();
      await keyStore.revoke(id, 'logout');
      expect(await keyStore.rotate(id, userId, keys.refreshKey)).toEqual({ outcome: 'ended' });
      expect(await row(id)).toMatchObject({ generation: 1, status: 'revoked', revoked_reason: 'logout' });
    });

    it('does not rotate for another user (ended) and leaves the session alone', async () => {
      const { keyStore, newUser, start, row } = context();
      const { id, keys } = await start();
      expect(await keyStore.rotate(id, await newUser(), keys.refreshKey)).toEqual({ outcome: 'ended' });
      expect(await row(id)).toMatchObject({ generation: 1, status: 'active' });
    });

    it('reports an unknown session as ended', async () => {
      const { keyStore, newUser } = context();
      expect(await keyStore.rotate(randomUUID(), await newUser(), newRandomKey())).toEqual({ outcome: 'ended' });
    });

    it.each(['expires_at', 'max_expires_at'])('does not rotate a session whose %s has passed (ended)', async (column) => {
      const { keyStore, start, row, sql } = context();
      const { id, userId, keys } = await start();
      await sql(`UPDATE key_store SET ${column} = now() - interval '1 minute' WHERE id = $1`, [id]);
      expect(await keyStore.rotate(id, userId, keys.refreshKey)).toEqual({ outcome: 'ended' });
      expect(await row(id)).toMatchObject({ generation: 1 });
    });

    it("revokes every session of the user except keepSessionId, and no one else's", async () => {
      const { keyStore, newUser, start, row } = context();
      const userId = await newUser();
      const [kept, second, third] = [await start(userId), await start(userId), await start(userId)];
      const stranger = await start();
      expect(await keyStore.revokeAllForUser(userId, 'password_changed', { keepSessionId: kept.id })).toHaveLength(2);
      expect(await row(kept.id)).toMatchObject({ status: 'active' });
      for (const { id } of [second, third]) expect(await row(id)).toMatchObject({ status: 'revoked', revoked_reason: 'password_changed' });
      expect(await row(stranger.id)).toMatchObject({ status: 'active' });
    });

    it('deletes sessions past either expiry, revoked or not, and keeps live ones', async () => {
      const { keyStore, start, row, sql } = context();
      const [live, revokedLive, idle, old] = [await start(), await start(), await start(), await start()];
      await keyStore.revoke(revokedLive.id, 'logout');
      await sql(`UPDATE key_store SET expires_at = now() - interval '1 second' WHERE id = $1`, [idle.id]);
      await sql(`UPDATE key_store SET max_expires_at = now() - interval '1 second' WHERE id = $1`, [old.id]);
      expect(await keyStore.deleteExpired()).toBeGreaterThanOrEqual(2);
      expect(await row(live.id)).toBeDefined();
      expect(await row(revokedLive.id)).toBeDefined();
      expect(await row(idle.id)).toBeUndefined();
      expect(await row(old.id)).toBeUndefined();
    });

    it("lists only the user's live sessions: not revoked, not idle-expired, not past the absolute lifetime", async () => {
      const { keyStore, newUser, start, sql } = context();
      const userId = await newUser();
      const [live, revoked, idle, old] = [await start(userId), await start(userId), await start(userId), await start(userId)];
      await start();
      await keyStore.revoke(revoked.id, 'logout');
      await sql(`UPDATE key_store SET expires_at = now() - interval '1 second' WHERE id = $1`, [idle.id]);
      await sql(`UPDATE key_store SET max_expires_at = now() - interval '1 second' WHERE id = $1`, [old.id]);
      expect((await keyStore.listActive(userId)).map((session) => session.id)).toEqual([live.id]);
    });
  });

  describe('with no grace window (REFRESH_REUSE_GRACE=0)', () => {
    const context = withSetup({ REFRESH_REUSE_GRACE: '0' });

    it('reports the previous refresh key as reused', async () => {
      const { keyStore, start } = context();
      const { id, userId, keys } = await start();
      await keyStore.rotate(id, userId, keys.refreshKey);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await keyStore.rotate(id, userId, keys.refreshKey)).toEqual({ outcome: 'reused' });
    });

    it('gives no grace even to a replay in the same millisecond as the rotation', async () => {
      const { keyStore, start } = context();
      const { id, userId, keys } = await start();
      jest.useFakeTimers({
        doNotFake: [
          'nextTick',
          'setImmediate',
          'clearImmediate',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'queueMicrotask',
          'hrtime',
          'performance',
        ],
      });
      try {
        await keyStore.rotate(id, userId, keys.refreshKey);
        expect(await keyStore.rotate(id, userId, keys.refreshKey)).toEqual({ outcome: 'reused' });
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
