/** What other modules may use of PasskeysModule. */
export { PasskeysModule } from './passkeys.module';
export { passkeysConfig } from './passkeys.config';
export { PasskeySignIn } from './passkey-sign-in.service';
export type { PasskeyProof, PasskeySignInOptions } from './passkey-sign-in.service';
export { PasskeysService } from './passkeys.service';
