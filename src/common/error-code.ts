import { HttpStatus } from '@nestjs/common';

/** Every error code of the contract, with the one HTTP status it maps to. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  INVALID_CREDENTIALS: HttpStatus.UNAUTHORIZED,
  TOKEN_MISSING: HttpStatus.UNAUTHORIZED,
  TOKEN_INVALID: HttpStatus.UNAUTHORIZED,
  TOKEN_EXPIRED: HttpStatus.UNAUTHORIZED,
  SESSION_REVOKED: HttpStatus.UNAUTHORIZED,
  REFRESH_TOKEN_REUSED: HttpStatus.UNAUTHORIZED,
  CSRF_TOKEN_INVALID: HttpStatus.FORBIDDEN,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  /** Login of an unverified address with REQUIRE_VERIFIED_EMAIL=true, answered only after the password check. */
  EMAIL_NOT_VERIFIED: HttpStatus.FORBIDDEN,
  /** An `aal1` session on a route marked `@RequireAal2()`. */
  MFA_REQUIRED: HttpStatus.FORBIDDEN,
  /** The MFA token of a login challenge is unknown, used, expired or spent on 5 wrong codes: log in again. */
  MFA_TOKEN_INVALID: HttpStatus.UNAUTHORIZED,
  /** A wrong, replayed or used TOTP or recovery code. */
  MFA_CODE_INVALID: HttpStatus.UNAUTHORIZED,
  /** A passkey sign-in that does not verify (unknown credential, signature, origin, RP ID or challenge); a registration that does not is 400 with this code. */
  PASSKEY_INVALID: HttpStatus.UNAUTHORIZED,
  /** A password-checked route of an account that has no password (made by an identity provider): it sets one through forgot-password. */
  PASSWORD_NOT_SET: HttpStatus.FORBIDDEN,
  /** A route that needs the user present, for an account without a password whose session started more than 10 minutes ago. */
  REAUTHENTICATION_REQUIRED: HttpStatus.FORBIDDEN,
  /** Any sign-in or refresh of an account an admin disabled (after the credentials check out). */
  ACCOUNT_DISABLED: HttpStatus.FORBIDDEN,
  /** A callback of an OpenID Connect sign-in that this browser did not start, or too late. */
  OIDC_STATE_INVALID: HttpStatus.BAD_REQUEST,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  EMAIL_TAKEN: HttpStatus.CONFLICT,
  MFA_ALREADY_ENABLED: HttpStatus.CONFLICT,
  /** Linking a provider identity that another account holds. */
  IDENTITY_TAKEN: HttpStatus.CONFLICT,
  /** Removing the account's last way in (its password, passkeys and linked identities). */
  LAST_SIGN_IN_METHOD: HttpStatus.CONFLICT,
  /** A change that would leave no enabled admin: the last admin removing their own role, disabling or deleting themselves. */
  LAST_ADMIN: HttpStatus.CONFLICT,
  /** Headers and body not fully received within REQUEST_TIMEOUT (answered by the HTTP layer, which then closes the connection). */
  REQUEST_TIMEOUT: HttpStatus.REQUEST_TIMEOUT,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  /** A URL or path parameter over the server's limits; headers over them answer 431 with the same code. */
  REQUEST_TOO_LARGE: HttpStatus.URI_TOO_LONG,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  SERVICE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL_ERROR: HttpStatus.INTERNAL_SERVER_ERROR,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Codes for a problem with the presented token: answered with `WWW-Authenticate: Bearer error="invalid_token"`. */
export const INVALID_TOKEN_CODES: ReadonlySet<ErrorCode> = new Set(['TOKEN_INVALID', 'TOKEN_EXPIRED', 'SESSION_REVOKED', 'REFRESH_TOKEN_REUSED']);

export interface FieldError {
  field: string;
  messages: string[];
}

export interface AppErrorOptions {
  details?: FieldError[];
  /** When a retry may succeed, sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number;
  /** Another status than the code's usual one: a reset or verification token that is no good is 400 `TOKEN_INVALID`. */
  status?: number;
}

/** Thrown by services; the exception filter turns it into the contract's error body. */
export class AppError extends Error {
  readonly details?: FieldError[];
  readonly retryAfterSeconds?: number;
  private readonly statusOverride?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.statusOverride = options.status;
  }

  get status(): number {
    return this.statusOverride ?? ERROR_STATUS[this.code];
  }
}
