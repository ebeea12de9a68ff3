import { KeyEntry, keyTimeline } from './key-set';

const at = (seconds: number) => new Date(seconds * 1000);
const entry = (file: string, activatesAtSeconds: number): KeyEntry => ({ file, activatesAt: at(activatesAtSeconds).toISOString() });

describe('keyTimeline', () => {
  const first = entry('first.pem', 0);
  const second = entry('second.pem', 100);
  const lifetime = 30;

  it('signs with the one key there is', () => {
    expect(keyTimeline([first], at(50), lifetime)).toEqual({ signing: first, verifying: [first] });
  });

  it('publishes a next key before it signs', () => {
    expect(keyTimeline([first, second], at(90), lifetime)).toEqual({ signing: first, verifying: [first, second] });
  });

  it('signs with the next key from its activation, and the retired key still verifies its last tokens', () => {
    expect(keyTimeline([first, second], at(110), lifetime)).toEqual({ signing: second, verifying: [first, second] });
  });

  it('drops the retired key once the longest token it signed has expired', () => {
    expect(keyTimeline([first, second], at(131), lifetime)).toEqual({ signing: second, verifying: [second] });
  });

  it('does not depend on the order of the entries', () => {
    expect(keyTimeline([second, first], at(110), lifetime).signing).toBe(second);
  });
});
