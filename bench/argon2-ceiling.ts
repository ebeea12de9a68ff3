/**
 * Login's ceiling: argon2id verifications per second at the service's
 * parameters, as many at once as the cores this process may use (the service
 * hashes with that concurrency by default), for `BENCH_SECONDS`. Run it on
 * the service's cores (`taskset`); it prints the rate as one number.
 */
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';

const ARGON2ID = { algorithm: 2 as Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const stored = await hash('bench passphrase that is long enough', ARGON2ID);
  const deadline = Date.now() + seconds * 1000;
  let count = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      await verify(stored, 'bench passphrase that is long enough');
      count++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: availableParallelism() }, worker));
  console.log(((count / (Date.now() - started)) * 1000).toFixed(1));
}

void main();
