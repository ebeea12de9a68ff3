import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../config/environment';
import { decodeKey, MfaConfig, mfaConfig } from './mfa.config';

const FORMAT = 'v1';
const IV_BYTES = 12;

/**
 * MFA_ENCRYPTION_KEY at work: TOTP secrets are sealed with AES-256-GCM (bound
 * to their user, so a secret copied to another row does not open), and
 * recovery codes are stored as HMAC-SHA256 under a key derived from it.
 * Outside production an unset key is generated once under DATA_DIR/keys.
 */
@Injectable()
export class MfaKeys implements OnModuleInit {
  private readonly logger = new Logger(MfaKeys.name);
  private sealKey: Buffer;
  private codeKey: Buffer;

  constructor(@Inject(mfaConfig.KEY) private readonly config: MfaConfig) {}

  onModuleInit(): void {
    const master = this.config.encryptionKey ?? this.developmentKey();
    this.sealKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'totp-secret', 32));
    this.codeKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'recovery-code', 32));
  }

  /** `v1.<iv>.<ciphertext>.<tag>`, base64url; `userId` is authenticated with it. */
  seal(plaintext: string, userId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv).setAAD(Buffer.from(userId));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  open(sealed: string, userId: string): string {
    const [format, iv, ciphertext, tag] = sealed.split('.');
    if (format !== FORMAT || !tag) throw new Error('A TOTP secret in the database is not in a known format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, Buffer.from(iv, 'base64url'))
        .setAAD(Buffer.from(userId))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('A TOTP secret could not be decrypted: was MFA_ENCRYPTION_KEY changed?');
    }
  }

  /** The stored form of a user's recovery code (canonical form): keyed, so a database dump alone cannot test guesses. */
  recoveryCodeHash(userId: string, canonicalCode: string): string {
    return createHmac('sha256', this.codeKey).update(`${userId}:${canonicalCode}`).digest('hex');
  }

  private developmentKey(): Buffer {
    const file = this.config.keyFile;
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // `wx`: two instances starting at once on one DATA_DIR keep the first key written.
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
      this.logger.log(`Generated the development key that encrypts TOTP secrets: ${file}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const key = decodeKey(readFileSync(file, 'utf8'));
    if (!key) throw new ConfigError(`${file} does not hold 32 bytes in base64 (MFA_ENCRYPTION_KEY's development key)`);
    return key;
  }
}
