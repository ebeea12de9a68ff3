import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { TransactionConflictError, transactionWithRetry } from './transactions';

const deadlock = () => new QueryFailedError('UPDATE ...', [], Object.assign(new Error('deadlock detected'), { code: '40P01' }));

/** A DataSource whose transactions run `work` with a fake manager, failing as `outcomes` says, one attempt each. */
function setup(outcomes: Array<Error | 'ok'>) {
  let attempts = 0;
  const dataSource = {
    transaction: async <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> => {
      const outcome = outcomes[attempts++];
      if (outcome instanceof Error) throw outcome;
      return work({} as EntityManager);
    },
  } as unknown as DataSource;
  return { dataSource, attempts: () => attempts };
}

describe('transactionWithRetry', () => {
  it('runs the work again after a deadlock or a serialization failure, and answers its result', async () => {
    const serialization = new QueryFailedError('UPDATE ...', [], Object.assign(new Error('could not serialize'), { code: '40001' }));
    const { dataSource, attempts } = setup([deadlock(), serialization, 'ok']);
    await expect(transactionWithRetry(dataSource, async () => 'done')).resolves.toBe('done');
    expect(attempts()).toBe(3);
  });

  it('gives up after three attempts with a TransactionConflictError', async () => {
    const { dataSource, attempts } = setup([deadlock(), deadlock(), deadlock(), 'ok']);
    await expect(transactionWithRetry(dataSource, async () => 'done')).rejects.toBeInstanceOf(TransactionConflictError);
    expect(attempts()).toBe(3);
  });

  it('never runs again after any other error', async () => {
    const unique = new QueryFailedError('INSERT ...', [], Object.assign(new Error('duplicate key'), { code: '23505' }));
    const { dataSource, attempts } = setup([unique, 'ok']);
    await expect(transactionWithRetry(dataSource, async () => 'done')).rejects.toBe(unique);
    expect(attempts()).toBe(1);
  });
});
