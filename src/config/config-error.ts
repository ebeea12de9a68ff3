export type Env = Record<string, string | undefined>;

/** A configuration problem; its message is the one line the service prints before it refuses to start. */
export class ConfigError extends Error {}
