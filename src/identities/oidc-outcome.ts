/** Why a callback ends in a redirect with `?error=CODE` rather than a session. */
export type OidcRedirectCode = 'OIDC_FAILED' | 'ACCOUNT_EXISTS' | 'IDENTITY_TAKEN' | 'EMAIL_NOT_VERIFIED' | 'REAUTHENTICATION_REQUIRED';

/** A callback that ends without a session: the browser goes back to `returnTo` with the code. */
export class OidcRedirectError extends Error {
  constructor(
    readonly code: OidcRedirectCode,
    message: string,
  ) {
    super(message);
    this.name = 'OidcRedirectError';
  }
}
