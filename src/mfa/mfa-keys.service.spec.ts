import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/environment';
import { decodeKey, readMfaConfig } from './mfa.config';
import { MfaKeys } from './mfa-keys.service';

function keysWith(env: Record<string, string>): MfaKeys {
  const keys = new MfaKeys(readMfaConfig(env).mfa);
  keys.onModuleInit();
  return keys;
}

describe('MfaKeys', () => {
  const key = randomBytes(32).toString('base64');
  const userId = '6f1c1f8e-2b7a-4c59-9a37-0d1a5a0c2b11';

  it('seals a secret so that neither it nor its bytes show, and opens it again for the same user', () => {
    const keys = keysWith({ MFA_ENCRYPTION_KEY: key });
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const sealed = keys.seal(secret, userId);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(secret);
    expect(keys.seal(secret, userId)).not.toBe(sealed);
    expect(keys.open(sealed, userId)).toBe(secret);
  });

  it('refuses to open a secret for another user, under another key, or altered', () => {
    const keys = keysWith({ MFA_ENCRYPTION_KEY: key });
    const sealed = keys.seal('JBSWY3DPEHPK3PXP', userId);
    expect(() => keys.open(sealed, '00000000-0000-4000-8000-000000000000')).toThrow(/MFA_ENCRYPTION_KEY/);
    expect(() => keysWith({ MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64') }).open(sealed, userId)).toThrow(/MFA_ENCRYPTION_KEY/);
    const [format, iv, ciphertext, tag] = sealed.split('.');
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] ^= 1;
    expect(() => keys.open([format, iv, flipped.toString('base64url'), tag].join('.'), userId)).toThrow();
    expect(() => keys.open('v2.a.b.c', userId)).toThrow(/format/);
  });

  it('hashes recovery codes with a key: per user, per key, never the code itself', () => {
    const keys = keysWith({ MFA_ENCRYPTION_KEY: key });
    const hash = keys.recoveryCodeHash(userId, 'abcde12345');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keys.recoveryCodeHash(userId, 'abcde12345')).toBe(hash);
    expect(keys.recoveryCodeHash('00000000-0000-4000-8000-000000000000', 'abcde12345')).not.toBe(hash);
    expect(keysWith({ MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64') }).recoveryCodeHash(userId, 'abcde12345')).not.toBe(hash);
  });

  it('generates a development key once under DATA_DIR/keys (mode 0600) and keeps using it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mfa-keys-'));
    const first = keysWith({ DATA_DIR: dataDir });
    const file = join(dataDir, 'keys', 'mfa-encryption.key');
    expect(decodeKey(readFileSync(file, 'utf8'))).not.toBeNull();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = first.seal('JBSWY3DPEHPK3PXP', userId);
    expect(keysWith({ DATA_DIR: dataDir }).open(sealed, userId)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses a development key file that is not 32 bytes of base64', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mfa-keys-'));
    keysWith({ DATA_DIR: dataDir });
    writeFileSync(join(dataDir, 'keys', 'mfa-encryption.key'), 'short\n');
    expect(() => keysWith({ DATA_DIR: dataDir })).toThrow(ConfigError);
  });
});

describe('MFA configuration', () => {
  it('needs MFA_ENCRYPTION_KEY in production, with one line that names it and does not show a value', () => {
    expect(() => readMfaConfig({ NODE_ENV: 'production' })).toThrow(/^MFA_ENCRYPTION_KEY is required when NODE_ENV=production[^\n]*$/);
    expect(readMfaConfig({ NODE_ENV: 'production', MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64') }).mfa.encryptionKey).toHaveLength(32);
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['not base64', '!'.repeat(44)],
  ])('refuses a key of %s without printing it', (_label, value) => {
    expect(() => readMfaConfig({ MFA_ENCRYPTION_KEY: value })).toThrow(ConfigError);
    expect(() => readMfaConfig({ MFA_ENCRYPTION_KEY: value })).toThrow(/^MFA_ENCRYPTION_KEY must be 32 bytes in base64/);
  });

  it('takes the key in standard or URL-safe base64, and MFA_ISSUER with a default', () => {
    const bytes = randomBytes(32);
    expect(readMfaConfig({ MFA_ENCRYPTION_KEY: bytes.toString('base64url') }).mfa.encryptionKey).toEqual(bytes);
    expect(readMfaConfig({ MFA_ENCRYPTION_KEY: bytes.toString('base64') }).mfa.encryptionKey).toEqual(bytes);
    expect(readMfaConfig({}).mfa.issuer).toBe('Auth service');
    expect(readMfaConfig({ MFA_ISSUER: 'Acme' }).mfa.issuer).toBe('Acme');
  });
});
