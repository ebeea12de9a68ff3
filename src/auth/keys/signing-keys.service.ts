import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, JWK } from 'jose';
import { AppConfig, ConfigError, JwtAlgorithm } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { generateKeyFile, keyFilePath, readKeyFile } from './key-files';
import { SigningKey, TokenKind } from './signing-key';

const KINDS: TokenKind[] = ['access', 'refresh'];

/**
 * Loads the signing keys at boot: PEM files in JWT_KEYS_DIR for ES256/EdDSA
 * (generated on first start outside production), or the two secrets for HS256.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeysService.name);
  private readonly keys = new Map<TokenKind, SigningKey>();

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    for (const kind of KINDS) this.keys.set(kind, await this.load(kind));
    if (this.keys.get('access')!.kid === this.keys.get('refresh')!.kid) {
      throw new ConfigError('The access and refresh signing keys must differ');
    }
  }

  signingKey(kind: TokenKind): SigningKey {
    return this.keys.get(kind)!;
  }

  /** The key that verifies tokens of this kind with this `kid`, if any. */
  verificationKey(kind: TokenKind, kid: string | undefined): KeyObject | undefined {
    const key = this.keys.get(kind);
    return key && key.kid === kid ? key.verifyKey : undefined;
  }

  /** Public keys that verify access tokens; empty under HS256. */
  jwks(): { keys: JWK[] } {
    const access = this.keys.get('access');
    return { keys: access?.publicJwk ? [access.publicJwk] : [] };
  }

  private async load(kind: TokenKind): Promise<SigningKey> {
    const { algorithm } = this.config.jwt;
    if (algorithm === 'HS256') {
      const secret = kind === 'access' ? this.config.jwt.accessSecret : this.config.jwt.refreshSecret;
      const key = createSecretKey(Buffer.from(secret!));
      const kid = await calculateJwkThumbprint(await exportJWK(key));
      return { kid, alg: algorithm, privateKey: key, verifyKey: key };
    }
    const privateKey = this.readOrGeneratePrivateKey(kind, algorithm);
    const verifyKey = createPublicKey(privateKey);
    const jwk = await exportJWK(verifyKey);
    const kid = await calculateJwkThumbprint(jwk);
    return { kid, alg: algorithm, privateKey, verifyKey, publicJwk: { ...jwk, kid, alg: algorithm, use: 'sig' } };
  }

  private readOrGeneratePrivateKey(kind: TokenKind, algorithm: Exclude<JwtAlgorithm, 'HS256'>): KeyObject {
    const file = keyFilePath(this.config.jwt.keysDir, kind);
    if (!existsSync(file)) {
      if (this.config.isProduction) {
        throw new ConfigError(`${file} is missing: production needs its ${kind} signing key in JWT_KEYS_DIR (npm run keys:generate)`);
      }
      generateKeyFile(file, algorithm);
      this.logger.log(`Generated a development ${algorithm} key for ${kind} tokens in ${file}`);
    }
    return readKeyFile(file, algorithm);
  }
}
