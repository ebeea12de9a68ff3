import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JwtAlgorithm } from '../tokens.config';
import { generateKeyFile } from './key-files';
import { TokenKind } from './signing-key';

/**
 * The signing keys of one kind over time, kept in JWT_KEYS_DIR/keyset.json
 * next to their PEM files. A key signs from `activatesAt` until the next key
 * activates (it is "retired" then), and verifies for as long as a token it
 * signed can live. Without a keyset.json the keys are `access.pem` and
 * `refresh.pem`, active since forever.
 */
export interface KeyEntry {
  file: string;
  activatesAt: string;
}

export type KeySetManifest = Record<TokenKind, KeyEntry[]>;

export const MANIFEST_FILE = 'keyset.json';
const EPOCH = new Date(0).toISOString();

export function readKeySet(keysDir: string): KeySetManifest {
  const file = join(keysDir, MANIFEST_FILE);
  if (!existsSync(file)) {
    return { access: [{ file: 'access.pem', activatesAt: EPOCH }], refresh: [{ file: 'refresh.pem', activatesAt: EPOCH }] };
  }
  return JSON.parse(readFileSync(file, 'utf8')) as KeySetManifest;
}

function writeKeySet(keysDir: string, manifest: KeySetManifest): void {
  const file = join(keysDir, MANIFEST_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export interface KeyTimeline {
  /** The key that signs now. */
  signing: KeyEntry;
  /** Every key that verifies now: the signing one, those published ahead of activation, and retired ones whose tokens may still live. */
  verifying: KeyEntry[];
}

/** Which keys sign and verify at `now`, when a token lives at most `lifetimeSeconds` (plus clock tolerance). */
export function keyTimeline(entries: KeyEntry[], now: Date, lifetimeSeconds: number): KeyTimeline {
  const sorted = [...entries].sort((a, b) => Date.parse(a.activatesAt) - Date.parse(b.activatesAt));
  const active = sorted.filter((entry) => Date.parse(entry.activatesAt) <= now.getTime());
  const signing = active.at(-1) ?? sorted[0];
  const verifying = sorted.filter((entry, index) => {
    const successor = sorted[index + 1];
    const retiredAt = successor && Date.parse(successor.activatesAt) <= now.getTime() ? Date.parse(successor.activatesAt) : undefined;
    return retiredAt === undefined || retiredAt + lifetimeSeconds * 1000 > now.getTime();
  });
  return { signing, verifying };
}

/** Creates every key file the key set names but the folder lacks; returns what it created. */
export function generateMissingKeys(keysDir: string, algorithm: Exclude<JwtAlgorithm, 'HS256'>): Array<{ kind: TokenKind; path: string }> {
  const manifest = readKeySet(keysDir);
  const created: Array<{ kind: TokenKind; path: string }> = [];
  for (const kind of Object.keys(manifest) as TokenKind[]) {
    for (const entry of manifest[kind]) {
      const path = join(keysDir, entry.file);
      if (existsSync(path)) continue;
      generateKeyFile(path, algorithm);
      created.push({ kind, path });
    }
  }
  return created;
}

/**
 * Adds a new key of each kind, published at once and signing from
 * `activatesAt`; drops keys that no longer verify anything (and their files).
 * Returns the new files.
 */
export function rotateKeySet(
  keysDir: string,
  algorithm: Exclude<JwtAlgorithm, 'HS256'>,
  activatesAt: Date,
  lifetimeSeconds: Record<TokenKind, number>,
  now = new Date(),
): Record<TokenKind, string> {
  const manifest = readKeySet(keysDir);
  const added = {} as Record<TokenKind, string>;
  for (const kind of Object.keys(manifest) as TokenKind[]) {
    const file = `${kind}-${activatesAt.getTime()}.pem`;
    generateKeyFile(join(keysDir, file), algorithm);
    const { verifying } = keyTimeline(manifest[kind], now, lifetimeSeconds[kind]);
    for (const dropped of manifest[kind].filter((entry) => !verifying.includes(entry))) {
      rmSync(join(keysDir, dropped.file), { force: true });
    }
    manifest[kind] = [...verifying, { file, activatesAt: activatesAt.toISOString() }];
    added[kind] = file;
  }
  writeKeySet(keysDir, manifest);
  return added;
}
