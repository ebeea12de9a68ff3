import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';

/** OWASP's argon2id parameters: m=19456 KiB, t=2, p=1. (`Algorithm` is an ambient const enum: 2 is Argon2id.) */
const ARGON2ID = { algorithm: 2 as Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** argon2id hashing; the native binding runs it on libuv's thread pool, off the event loop. */
@Injectable()
export class PasswordHasher {
  /** Verifying against this costs the same as against a real hash, so an unknown email takes as long as a wrong password. */
  private readonly dummyHash = hash('dummy password for unknown accounts', ARGON2ID);

  hash(password: string): Promise<string> {
    return hash(normalizePassword(password), ARGON2ID);
  }

  async verify(passwordHash: string | undefined, password: string): Promise<boolean> {
    try {
      const matches = await verify(passwordHash ?? (await this.dummyHash), normalizePassword(password));
      return matches && passwordHash !== undefined;
    } catch {
      return false;
    }
  }
}

/** Passwords are NFKC-normalised so the same passphrase typed on two keyboards matches. */
function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}
