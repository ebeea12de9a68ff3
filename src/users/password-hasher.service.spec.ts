import { loadConfig } from '../app-config';
import { Metrics } from '../metrics/metrics.service';
import { PasswordHasher } from './password-hasher.service';

function setup(concurrency: number, queue: number): PasswordHasher {
  return new PasswordHasher(loadConfig({ PASSWORD_HASH_CONCURRENCY: String(concurrency), PASSWORD_HASH_QUEUE: String(queue) }), new Metrics());
}

describe('PasswordHasher', () => {
  it('hashes and verifies a password, NFKC-normalised', async () => {
    const hasher = setup(2, 4);
    const hash = await hasher.hash('ｐａｓｓｗｏｒｄ phrase');
    await expect(hasher.verify(hash, 'password phrase')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'another phrase')).resolves.toBe(false);
  });

  it('never matches an unknown account (no hash), even with the dummy password', async () => {
    await expect(setup(1, 4).verify(undefined, 'dummy password for unknown accounts')).resolves.toBe(false);
  });

  it('counts running and waiting work in queueDepth, and refuses work past the queue with SERVICE_UNAVAILABLE and a retry delay', async () => {
    const hasher = setup(1, 2);
    const accepted = [hasher.hash('first passphrase'), hasher.hash('second passphrase'), hasher.hash('third passphrase')];
    expect(hasher.queueDepth).toBe(3);
    await expect(hasher.hash('fourth passphrase')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: expect.any(Number) });
    await Promise.all(accepted);
    expect(hasher.queueDepth).toBe(0);
    await expect(hasher.hash('once the queue has drained')).resolves.toMatch(/^\$argon2id\$/);
  });

  it('queues the dummy verification of unknown accounts like any other', async () => {
    const hasher = setup(1, 0);
    await hasher.verify(undefined, 'the dummy hash is ready');
    const running = hasher.hash('takes the only place');
    await expect(hasher.verify(undefined, 'some password')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await running;
  });
});
