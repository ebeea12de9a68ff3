import { registerAs } from '@nestjs/config';
import { Env, flag, IsBooleanText, readEnvironment } from '../config/environment';

class AuthEnvironment {
  @IsBooleanText()
  REQUIRE_VERIFIED_EMAIL?: string;
}

/** What signing in asks beyond the credentials. */
export function readAuthConfig(env: Env) {
  const vars = readEnvironment(AuthEnvironment, env);
  return {
    /** Login and refresh need a confirmed address. */
    requireVerifiedEmail: flag(vars.REQUIRE_VERIFIED_EMAIL, false),
  };
}

export type AuthConfig = ReturnType<typeof readAuthConfig>;

export const authConfig = registerAs('auth', () => readAuthConfig(process.env));
