import { Controller, Get, Header, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator';
import { ACCOUNT_PAGE, ACCOUNT_SCRIPT } from './account-page';
import { ACCOUNT_PAGES_SCRIPT, RESET_PASSWORD_PAGE, VERIFY_EMAIL_PAGE } from './account-pages';

@ApiExcludeController()
@Public()
@Controller({ version: VERSION_NEUTRAL })
export class AccountPagesController {
  @Get('verify-email')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  verifyEmail(): string {
    return VERIFY_EMAIL_PAGE;
  }

  @Get('reset-password')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  resetPassword(): string {
    return RESET_PASSWORD_PAGE;
  }

  @Get('account-pages.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  script(): string {
    return ACCOUNT_PAGES_SCRIPT;
  }

  @Get('account')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  account(): string {
    return ACCOUNT_PAGE;
  }

  /** Where a provider sign-in lands when the account has a second factor (APP_URL/mfa): the same page, asking only for the code. */
  @Get('mfa')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  mfa(): string {
    return ACCOUNT_PAGE;
  }

  @Get('account.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  accountScript(): string {
    return ACCOUNT_SCRIPT;
  }
}
