import { composeMail, MailMessage } from '../mail';

/** A passkey signs in without the password, so one the owner did not add outlives a password change. */
const NOT_YOU_ADDED =
  'If this was not you, someone can sign in to your account: remove the passkey on your account page, change your password and sign out everywhere.';
const NOT_YOU = 'If this was not you, change your password now and sign out everywhere.';

/** Notices of passkeys added to or removed from an account, each naming the address it was sent to. */
export const PasskeyMails = {
  passkeyAdded: (to: string): MailMessage =>
    composeMail({
      kind: 'passkey_added',
      to,
      subject: 'A passkey was added to your account',
      lines: [`A passkey was added to the account of ${to}; it signs in without the password.`],
      footer: NOT_YOU_ADDED,
    }),
  passkeyRemoved: (to: string): MailMessage =>
    composeMail({
      kind: 'passkey_removed',
      to,
      subject: 'A passkey was removed from your account',
      lines: [`A passkey was removed from the account of ${to}; it no longer signs in.`],
      footer: NOT_YOU,
    }),
};
