import ms from 'ms';

/** Parses `ms`-style durations (`10s`, `15m`, `30d`) or plain seconds; returns whole seconds. */
export function parseDurationSeconds(raw: string): number | undefined {
  const value = raw.trim();
  // ms() throws on an empty string instead of answering undefined.
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const millis = ms(value as ms.StringValue);
  if (typeof millis !== 'number' || !Number.isFinite(millis) || millis < 0) return undefined;
  return Math.round(millis / 1000);
}
