import { loadConfig } from '../app-config';
import { ConfigError } from '../config/environment';
import { readSecurityEventsConfig } from './security-events.config';

const DAY = 24 * 60 * 60;

describe('readSecurityEventsConfig', () => {
  it('keeps security events for 365 days by default, and is part of the whole configuration', () => {
    expect(readSecurityEventsConfig({}).securityEvents.retentionSeconds).toBe(365 * DAY);
    expect(loadConfig({}).securityEvents.retentionSeconds).toBe(365 * DAY);
  });

  it.each([
    ['30d', 30 * DAY],
    ['1d', DAY],
    ['86400', DAY],
  ])('reads AUTH_EVENTS_RETENTION=%s', (value, seconds) => {
    expect(readSecurityEventsConfig({ AUTH_EVENTS_RETENTION: value }).securityEvents.retentionSeconds).toBe(seconds);
  });

  it.each(['12h', 'forever', '-1d'])('refuses AUTH_EVENTS_RETENTION=%s in one line naming it and the minimum', (value) => {
    const read = () => readSecurityEventsConfig({ AUTH_EVENTS_RETENTION: value });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(`AUTH_EVENTS_RETENTION="${value}" is not a valid duration (use 10s, 15m, 30d or plain seconds, at least 86400)`);
  });
});
