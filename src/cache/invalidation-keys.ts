/** What a change publishes, so that every instance drops what it cached of it. */
export const InvalidationKeys = {
  session: (sessionId: string) => `session:${sessionId}`,
  sessionsOf: (userId: string) => `sessions-of:${userId}`,
  profile: (userId: string) => `profile:${userId}`,
  /** Everything about a user: the profile and every session (the account is gone). */
  user: (userId: string) => `user:${userId}`,
};

/** The id in a key of the given kind, or undefined. */
export function idIn(key: string, kind: keyof typeof InvalidationKeys): string | undefined {
  const prefix = InvalidationKeys[kind]('');
  return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}
