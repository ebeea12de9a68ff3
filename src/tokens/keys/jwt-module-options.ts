import { JwtModuleOptions, JwtSecretRequestType } from '@nestjs/jwt';
import type { SignOptions, VerifyOptions } from 'jsonwebtoken';
import { TokensConfig } from '../tokens.config';
import { SigningKeysService } from './signing-keys.service';

/**
 * jsonwebtoken checks signature, alg, iss and aud; it leaves the times to
 * TokenService, which checks them against the injected clock, and hands back
 * the header too, for the `typ` check.
 */
export function verifyOptions(config: TokensConfig): VerifyOptions & { complete: true } {
  const { algorithm, issuer, audience } = config.jwt;
  return { algorithms: [algorithm], issuer, audience, complete: true, ignoreExpiration: true, ignoreNotBefore: true };
}

/**
 * JwtService's configuration: every token names its key by `kid`; signing
 * takes the private key of that kid, verifying the public key (or secret) the
 * token's kid names, as KeyObjects loaded once by SigningKeysService.
 */
export function jwtModuleOptions(config: TokensConfig, keys: SigningKeysService): JwtModuleOptions {
  return {
    signOptions: { issuer: config.jwt.issuer, audience: config.jwt.audience },
    verifyOptions: verifyOptions(config),
    secretOrKeyProvider: (requestType, tokenOrPayload, options) => {
      const key =
        requestType === JwtSecretRequestType.SIGN
          ? keys.privateKeyFor((options as SignOptions | undefined)?.keyid ?? '')
          : keys.verificationKeyByKid(kidOf(tokenOrPayload as string));
      // jsonwebtoken refuses a missing key as it refuses a bad signature.
      return key ?? '';
    },
  };
}

/** The `kid` of a token's header, without trusting anything else in it. */
export function kidOf(token: string): string | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
