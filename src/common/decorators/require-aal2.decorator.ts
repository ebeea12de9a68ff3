import { SetMetadata } from '@nestjs/common';

export const REQUIRE_AAL2 = 'auth:require-aal2';

/**
 * The route needs a session started with two factors (or a passkey that
 * verified its user): an `aal1` session gets 403 `MFA_REQUIRED`.
 */
export const RequireAal2 = (): MethodDecorator & ClassDecorator => SetMetadata(REQUIRE_AAL2, true);
