/** What other modules may use of MfaModule. */
export { MfaModule } from './mfa.module';
export { mfaConfig } from './mfa.config';
export { MfaLogin, MFA_TOKEN_TTL_SECONDS } from './mfa-login.service';
export type { MfaChallengeIssued, MfaProof } from './mfa-login.service';
export { MfaService } from './mfa.service';
export { MfaStatusDto } from './dto/mfa.dto';
export type { MfaStatus } from './mfa.service';
