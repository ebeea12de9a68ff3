import { Module } from '@nestjs/common';
import { ConditionalModule } from '@nestjs/config';
import { isProduction } from '../config/environment';
import { AccountPagesController } from './account-pages.controller';

/**
 * GET /verify-email and /reset-password, where the mailed links of a development setup lead, /account, to try
 * every way in, and /mfa, where a provider sign-in of an account with a second factor lands (APP_URL/mfa).
 */
@Module({ controllers: [AccountPagesController] })
class AccountPagesModule {}

/** The pages, outside production (where APP_URL is the application's own front end). */
export function accountPages() {
  return ConditionalModule.registerWhen(AccountPagesModule, (env) => !isProduction(env));
}

/** Their paths, outside the /api prefix. */
export const ACCOUNT_PAGE_PATHS = ['verify-email', 'reset-password', 'account-pages.js', 'account', 'account.js', 'mfa'];
