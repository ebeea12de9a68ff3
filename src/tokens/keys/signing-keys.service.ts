import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Clock } from '../../common/clock';
import { ConfigError } from '../../config/environment';
import { SessionsConfig, sessionsConfig } from '../../sessions';
import { TokensConfig, tokensConfig } from '../tokens.config';
import { jwkThumbprint, toJwk } from './jwk';
import { AsymmetricAlgorithm, readSigningKeyFile } from './key-files';
import { generateMissingKeys, KeySetManifest, keyTimeline, readKeySet } from './key-set';
import { PublicJwk, SigningKey, TokenKind } from './signing-key';

const KINDS: TokenKind[] = ['access', 'refresh'];
/** How often a running instance looks for keys added by `npm run keys:rotate`. */
export const KEY_RELOAD_INTERVAL_MS = 10_000;

/**
 * The signing keys, held as KeyObjects: for ES256/RS256 the key set in JWT_KEYS_DIR (generated on
 * first start outside production; rotated with `npm run keys:rotate` and
 * picked up by running instances), or the two secrets for HS256. At any time
 * one key per kind signs; the JWKS publishes every access key that verifies:
 * the next one before it signs anything, and retired ones until the longest
 * token they signed has expired.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeysService.name);
  /** Loaded keys by kind and file name. */
  private readonly loaded = new Map<TokenKind, Map<string, SigningKey>>(KINDS.map((kind) => [kind, new Map()]));
  private manifest: KeySetManifest;
  private reloadTimer?: NodeJS.Timeout;

  constructor(
    @Inject(tokensConfig.KEY) private readonly config: TokensConfig,
    @Inject(sessionsConfig.KEY) private readonly lifetimes: SessionsConfig,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    const { algorithm } = this.config.jwt;
    if (algorithm === 'HS256') {
      for (const kind of KINDS) this.loaded.get(kind)!.set('secret', this.secretKey(kind));
      this.manifest = {
        access: [{ file: 'secret', activatesAt: new Date(0).toISOString() }],
        refresh: [{ file: 'secret', activatesAt: new Date(0).toISOString() }],
      };
    } else {
      this.generateFirstKeysIfMissing(algorithm);
      await this.reload();
      this.reloadTimer = setInterval(() => {
        this.reload().catch((error: Error) => this.logger.warn(`Could not reload the signing keys: ${error.message}`));
      }, KEY_RELOAD_INTERVAL_MS).unref();
    }
    if (this.signingKey('access').kid === this.signingKey('refresh').kid) {
      throw new ConfigError('The access and refresh signing keys must differ');
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.reloadTimer);
  }

  /** Re-reads the key set (keys added by a rotation); keeps what was loaded. */
  async reload(): Promise<void> {
    const algorithm = this.config.jwt.algorithm as AsymmetricAlgorithm;
    const manifest = readKeySet(this.config.jwt.keysDir);
    for (const kind of KINDS) {
      const keys = this.loaded.get(kind)!;
      for (const entry of manifest[kind]) {
        if (!keys.has(entry.file)) keys.set(entry.file, this.asymmetricKey(entry.file, kind, algorithm));
      }
    }
    this.manifest = manifest;
  }

  signingKey(kind: TokenKind): SigningKey {
    const { signing } = this.timeline(kind);
    return this.loaded.get(kind)!.get(signing.file)!;
  }

  /** The key that verifies tokens of this kind with this `kid` now, if any. */
  verificationKey(kind: TokenKind, kid: string | undefined): SigningKey | undefined {
    return this.verifying(kind).find((key) => key.kid === kid);
  }

  /** The key that verifies tokens with this `kid` now, of either kind. */
  verificationKeyByKid(kid: string | undefined): KeyObject | undefined {
    for (const kind of KINDS) {
      const key = this.verificationKey(kind, kid);
      if (key) return key.verifyKey;
    }
    return undefined;
  }

  /** The private key (or secret) that signs with this `kid` now, of either kind. */
  privateKeyFor(kid: string): KeyObject | undefined {
    for (const kind of KINDS) {
      const key = this.signingKey(kind);
      if (key.kid === kid) return key.privateKey;
    }
    return undefined;
  }

  /** Public keys that verify access tokens now; empty under HS256. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.verifying('access').flatMap((key) => (key.publicJwk ? [key.publicJwk] : [])) };
  }

  private verifying(kind: TokenKind): SigningKey[] {
    const keys = this.loaded.get(kind)!;
    return this.timeline(kind).verifying.map((entry) => keys.get(entry.file)!);
  }

  private timeline(kind: TokenKind) {
    const lifetime = kind === 'access' ? this.lifetimes.accessTokenTtlSeconds : this.lifetimes.refreshTokenTtlSeconds;
    return keyTimeline(this.manifest[kind], new Date(this.clock.now()), lifetime + this.config.jwt.clockToleranceSeconds);
  }

  private secretKey(kind: TokenKind): SigningKey {
    const secret = kind === 'access' ? this.config.jwt.accessSecret : this.config.jwt.refreshSecret;
    const key = createSecretKey(Buffer.from(secret!));
    return { kid: jwkThumbprint(toJwk(key)), alg: 'HS256', privateKey: key, verifyKey: key };
  }

  private asymmetricKey(file: string, kind: TokenKind, algorithm: AsymmetricAlgorithm): SigningKey {
    const privateKey = readSigningKeyFile(join(this.config.jwt.keysDir, file), kind, algorithm);
    const verifyKey = createPublicKey(privateKey);
    const jwk = toJwk(verifyKey);
    const kid = jwkThumbprint(jwk);
    const modulusBits = privateKey.asymmetricKeyDetails?.modulusLength;
    return {
      kid,
      alg: algorithm,
      privateKey,
      verifyKey,
      signatureBytes: modulusBits ? modulusBits / 8 : undefined,
      publicJwk: { ...jwk, kid, alg: algorithm, use: 'sig' },
    };
  }

  /** Outside production, a first start creates `access.pem` and `refresh.pem`; production never generates keys. */
  private generateFirstKeysIfMissing(algorithm: AsymmetricAlgorithm): void {
    if (this.config.isProduction) return;
    for (const { kind, path } of generateMissingKeys(this.config.jwt.keysDir, algorithm)) {
      this.logger.log(`Generated a development ${algorithm} key for ${kind} tokens in ${path}`);
    }
  }
}
