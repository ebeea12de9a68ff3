import { parseDurationSeconds } from './duration';

describe('parseDurationSeconds', () => {
  it.each([
    ['90', 90],
    ['0', 0],
    [' 90 ', 90],
  ])('reads plain seconds %p as %p', (raw, seconds) => {
    expect(parseDurationSeconds(raw)).toBe(seconds);
  });

  it.each([
    ['10s', 10],
    ['15m', 900],
    ['30d', 2_592_000],
    ['1.5h', 5400],
    ['5 minutes', 300],
    [' 15m ', 900],
    ['0s', 0],
  ])('reads %p as %p seconds', (raw, seconds) => {
    expect(parseDurationSeconds(raw)).toBe(seconds);
  });

  it('rounds to whole seconds', () => {
    expect(parseDurationSeconds('1400ms')).toBe(1);
    expect(parseDurationSeconds('1500ms')).toBe(2);
  });

  it.each(['', '   ', '-5', '-5s', 'soon', '15 parsecs', '15m of fame', '1h30m', 'x90'])('refuses %p', (raw) => {
    expect(parseDurationSeconds(raw)).toBeUndefined();
  });
});
