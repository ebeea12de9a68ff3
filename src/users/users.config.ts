import { registerAs } from '@nestjs/config';
import { availableParallelism } from 'node:os';
import { Env, IsWholeNumber, readEnvironment } from '../config/environment';

class UsersEnvironment {
  @IsWholeNumber(1)
  PASSWORD_HASH_CONCURRENCY?: string;

  @IsWholeNumber(0)
  PASSWORD_HASH_QUEUE?: string;
}

export function readUsersConfig(env: Env) {
  const vars = readEnvironment(UsersEnvironment, env);
  return {
    /** argon2 computations run at once, and how many may wait; past that, 503. */
    passwordHashing: {
      concurrency: Number(vars.PASSWORD_HASH_CONCURRENCY ?? availableParallelism()),
      queue: Number(vars.PASSWORD_HASH_QUEUE ?? 64),
    },
  };
}

export type UsersConfig = ReturnType<typeof readUsersConfig>;

export const usersConfig = registerAs('users', () => readUsersConfig(process.env));
