import { registerAs } from '@nestjs/config';
import { Matches } from 'class-validator';
import { Env, readEnvironment } from '../config/environment';

class RedisEnvironment {
  @Matches(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  REDIS_KEY_PREFIX?: string;
}

/** Redis, for what instances share (rate limits); unset: everything in process. */
export function readRedisConfig(env: Env) {
  const vars = readEnvironment(RedisEnvironment, env);
  return {
    redisUrl: vars.REDIS_URL,
    /** Prefix of every Redis key this service writes, for a Redis shared with other software (REDIS_KEY_PREFIX). */
    redisKeyPrefix: vars.REDIS_KEY_PREFIX ?? 'auth-service:',
  };
}

export type RedisConfig = ReturnType<typeof readRedisConfig>;

export const redisConfig = registerAs('redis', () => readRedisConfig(process.env));
