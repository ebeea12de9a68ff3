/** What other modules may use of RateLimitModule. */
export { RateLimitModule } from './rate-limit.module';
export { rateLimitConfig } from './rate-limit.config';
export { ForgotPasswordRateLimitGuard, LimitPasswordChecks, LOGIN_THROTTLER, RateLimitGuard, VerificationMailRateLimitGuard } from './rate-limit.guard';
