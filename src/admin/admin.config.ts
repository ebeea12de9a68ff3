import { registerAs } from '@nestjs/config';
import { Env, flag, IsBooleanText, isProduction, readEnvironment } from '../config/environment';

class AdminEnvironment {
  @IsBooleanText()
  ADMIN_REQUIRE_MFA?: string;
}

/** What the admin API asks of an admin's session beyond the role. */
export function readAdminConfig(env: Env) {
  const vars = readEnvironment(AdminEnvironment, env);
  return {
    admin: {
      /** An admin acts only from an `aal2` session (true in production unless set). */
      requireMfa: flag(vars.ADMIN_REQUIRE_MFA, isProduction(env)),
    },
  };
}

export type AdminConfig = ReturnType<typeof readAdminConfig>['admin'];

export const adminConfig = registerAs('admin', () => readAdminConfig(process.env).admin);
