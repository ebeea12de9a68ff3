import { composeMail, MailMessage } from '../mail';

const NOT_YOU = 'If this was not you, change your password now and sign out everywhere; if you cannot sign in, reset your password.';
/** A second factor someone else added survives a password reset: only its removal by an operator gives the account back. */
const NOT_YOU_ADDED = 'If this was not you, someone knows your password: reset it now, and ask the service to remove the second factor you did not add.';
/** Whoever typed the wrong codes had the password. */
const NOT_YOU_TRIED = 'If this was not you, someone knows your password: change it now and sign out everywhere.';

/** Notices of changes to an account's second factor, each naming the address it was sent to. */
export const MfaMails = {
  mfaEnabled: (to: string): MailMessage =>
    notice(
      'mfa_enabled',
      to,
      'Two-step sign-in is on',
      [
        `The account of ${to} now asks for a code from an authenticator app at every sign-in.`,
        'Keep the recovery codes you were shown somewhere safe: each signs you in once if the app is lost.',
      ],
      NOT_YOU_ADDED,
    ),
  mfaDisabled: (to: string): MailMessage =>
    notice('mfa_disabled', to, 'Two-step sign-in is off', [`The account of ${to} no longer asks for a code at sign-in, and its recovery codes stopped working.`]),
  mfaLocked: (to: string): MailMessage =>
    notice(
      'mfa_locked',
      to,
      'Sign-in codes locked after wrong attempts',
      [`Ten wrong sign-in codes were entered for the account of ${to}; codes are refused for the next 15 minutes.`, 'Whoever entered them knew the password.'],
      NOT_YOU_TRIED,
    ),
  mfaReset: (to: string): MailMessage =>
    notice('mfa_reset', to, 'Two-step sign-in was reset', [
      `An operator removed the second factor of the account of ${to} and ended every session.`,
      'Turn two-step sign-in on again after you sign in.',
    ]),
  recoveryCodeUsed: (to: string): MailMessage =>
    notice('recovery_code_used', to, 'A recovery code was used', [
      `One of the recovery codes of the account of ${to} was just used; it will not work again.`,
      'If your authenticator app is lost, turn two-step sign-in off and on again, or make new recovery codes.',
    ]),
  recoveryCodesRegenerated: (to: string): MailMessage =>
    notice('recovery_codes_regenerated', to, 'New recovery codes', [`New recovery codes were made for the account of ${to}; the earlier ones stopped working.`]),
};

function notice(kind: string, to: string, subject: string, lines: string[], footer = NOT_YOU): MailMessage {
  return composeMail({ kind, to, subject, lines, footer });
}
