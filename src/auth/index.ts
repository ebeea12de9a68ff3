/** What feature modules may use from AuthModule; nothing else of it is public. */
export type { AuthenticatedUser, TokenTransport } from './authenticated-user';
export { CurrentUser } from './decorators/current-user.decorator';
export { Public } from './decorators/public.decorator';
export { Roles } from './decorators/roles.decorator';
/** For `AuthGuard(JWT_STRATEGY)` from @nestjs/passport; the global guard already protects every route. */
export { JWT_STRATEGY } from './strategies/strategy-names';
