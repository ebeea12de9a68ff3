import { registerAs } from '@nestjs/config';
import { ValidateBy } from 'class-validator';
import { parseDurationSeconds } from '../config/duration';
import { Env, flag, IsBooleanText, readEnvironment } from '../config/environment';

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

const RATE = /^(\d+)\s*\/\s*(.+)$/;

/** A rate like `5/1m`: at least one request per a valid duration. */
function IsRate(): PropertyDecorator {
  return ValidateBy({
    name: 'isRate',
    validator: {
      validate: (value: unknown) => {
        const match = typeof value === 'string' ? RATE.exec(value) : null;
        return match !== null && Number(match[1]) >= 1 && (parseDurationSeconds(match[2]) ?? 0) > 0;
      },
      defaultMessage: () => 'must look like 5/1m (requests per window)',
    },
  });
}

class RateLimitEnvironment {
  @IsBooleanText()
  RATE_LIMIT_ENABLED?: string;

  @IsRate()
  RATE_LIMIT_LOGIN?: string;

  @IsRate()
  RATE_LIMIT_AUTH?: string;
}

export function readRateLimitConfig(env: Env) {
  const vars = readEnvironment(RateLimitEnvironment, env);
  return {
    rateLimit: {
      enabled: flag(vars.RATE_LIMIT_ENABLED, true),
      login: rate(vars.RATE_LIMIT_LOGIN ?? '5/1m'),
      auth: rate(vars.RATE_LIMIT_AUTH ?? '30/1m'),
    },
  };
}

export type RateLimitConfig = ReturnType<typeof readRateLimitConfig>;

export const rateLimitConfig = registerAs('rateLimit', () => readRateLimitConfig(process.env));

function rate(value: string): RateLimit {
  const [, limit, window] = RATE.exec(value)!;
  return { limit: Number(limit), windowSeconds: parseDurationSeconds(window)! };
}
