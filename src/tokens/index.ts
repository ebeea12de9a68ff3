/** What other modules may use of TokensModule. */
export { TokensModule } from './tokens.module';
export { readTokensConfig, tokensConfig } from './tokens.config';
export { checkSigningKeysBeforeBoot } from './keys/check-signing-keys';
export type { JwtAlgorithm, TokensConfig } from './tokens.config';
export { TokenService } from './token.service';
export type { AccessClaims } from './token.service';
export { TokenCookies } from './token-cookies';
export type { PresentedToken } from './token-cookies';
export { JwtStrategy } from './strategies/jwt.strategy';
export { JWT_REFRESH_STRATEGY, JWT_STRATEGY } from './strategies/strategy-names';
export { authenticateWith, passportOutcome } from './strategies/passport-outcome';
export type { RefreshPrincipal, SessionPrincipal, SignedToken } from './principals';
