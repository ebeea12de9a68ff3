import { registerAs } from '@nestjs/config';
import { Env, IsDuration, readEnvironment, seconds } from '../config/environment';

const ONE_DAY_SECONDS = 24 * 60 * 60;

class SecurityEventsEnvironment {
  @IsDuration(ONE_DAY_SECONDS)
  AUTH_EVENTS_RETENTION?: string;
}

/** How long the security events (they hold IPs and user agents) are kept. */
export function readSecurityEventsConfig(env: Env) {
  const vars = readEnvironment(SecurityEventsEnvironment, env);
  return {
    securityEvents: {
      /** Events older than this are removed by the hourly clean-up. */
      retentionSeconds: seconds(vars.AUTH_EVENTS_RETENTION, '365d'),
    },
  };
}

export type SecurityEventsConfig = ReturnType<typeof readSecurityEventsConfig>['securityEvents'];

export const securityEventsConfig = registerAs('securityEvents', () => readSecurityEventsConfig(process.env).securityEvents);
