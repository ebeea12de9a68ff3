import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterCommit } from './after-commit';
import { dataSourceOptions } from './data-source-options';

describe('afterCommit', () => {
  let dataSource: DataSource;
  let done: string[];
  const note = (what: string) => () => done.push(what);

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions(undefined, 'memory://')).initialize();
    // A check at COMMIT: the transaction fails after its last statement ran.
    await dataSource.query('CREATE TABLE parent (id int PRIMARY KEY)');
    await dataSource.query('CREATE TABLE child (parent_id int REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
  });
  afterAll(() => dataSource?.destroy());
  beforeEach(() => {
    done = [];
  });

  it('runs at once outside a transaction (what ran is committed already)', async () => {
    afterCommit(undefined, note('no runner'));
    const runner = dataSource.createQueryRunner();
    try {
      await runner.query('SELECT 1');
      afterCommit(runner, note('autocommit'));
    } finally {
      await runner.release();
    }
    expect(done).toEqual(['no runner', 'autocommit']);
  });

  it('runs once the transaction has committed, not before', async () => {
    await dataSource.transaction(async (manager) => {
      await manager.query('SELECT 1');
      afterCommit(manager.queryRunner, note('first'));
      afterCommit(manager.queryRunner, note('second'));
      expect(done).toEqual([]);
    });
    expect(done).toEqual(['first', 'second']);
  });

  it('never runs for a transaction rolled back', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        afterCommit(manager.queryRunner, note('rolled back'));
        throw new Error('the change fails after the work was registered');
      }),
    ).rejects.toThrow('the change fails');
    expect(done).toEqual([]);
  });

  it('never runs when the COMMIT itself fails (a deferred constraint)', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query('INSERT INTO child (parent_id) VALUES (42)');
        afterCommit(manager.queryRunner, note('refused at commit'));
      }),
    ).rejects.toThrow(/foreign key/);
    expect(done).toEqual([]);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM child')).toEqual([{ n: 0 }]);
  });

  it('drops what a savepoint rolled back registered, and keeps the rest for the commit', async () => {
    await dataSource.transaction(async (outer) => {
      afterCommit(outer.queryRunner, note('outer'));
      await expect(
        outer.transaction(async (inner) => {
          afterCommit(inner.queryRunner, note('inner, rolled back'));
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await outer.transaction(async (inner) => afterCommit(inner.queryRunner, note('inner, released')));
      expect(done).toEqual([]);
    });
    expect(done).toEqual(['outer', 'inner, released']);
  });

  it('runs nothing of a released savepoint when the outer transaction rolls back', async () => {
    await expect(
      dataSource.transaction(async (outer) => {
        await outer.transaction(async (inner) => afterCommit(inner.queryRunner, note('inner')));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(done).toEqual([]);
  });

  it('keeps the commit when the work throws, and logs the failure', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await expect(
      dataSource.transaction(async (manager) => {
        afterCommit(manager.queryRunner, () => {
          throw new Error('cannot log');
        });
        afterCommit(manager.queryRunner, note('next'));
        return 'committed';
      }),
    ).resolves.toBe('committed');
    expect(done).toEqual(['next']);
    expect(logged).toHaveBeenCalledWith('Work after a commit failed: cannot log');
    logged.mockRestore();
  });
});
