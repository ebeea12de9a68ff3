import { composeMail, MailMessage } from '../mail';

/**
 * The texts of the recovery mails. Each names the address it was sent to and
 * none says anything about other accounts.
 */
export const RecoveryMails = {
  passwordReset: (to: string, link: string, ttl: string): MailMessage =>
    mail(
      'password_reset',
      to,
      'Reset your password',
      link,
      [`Someone (hopefully you) asked to reset the password of the account of ${to}.`, `Choose a new password within ${ttl} with this link; it works once:`],
      'If you did not ask for this, ignore this mail: your password stays as it is.',
    ),

  emailVerification: (to: string, link: string, ttl: string): MailMessage =>
    mail(
      'email_verification',
      to,
      'Confirm your email address',
      link,
      [`Confirm that ${to} is the address of your account within ${ttl} with this link:`],
      'If you did not create an account, ignore this mail.',
    ),

  emailChange: (to: string, link: string, ttl: string): MailMessage =>
    mail(
      'email_change',
      to,
      'Confirm your new email address',
      link,
      [`Someone (hopefully you) asked to make ${to} the address of their account.`, `Confirm within ${ttl} with this link; the change is made only then:`],
      'If you did not ask for this, ignore this mail: nothing changes.',
    ),

  emailChangeNotice: (to: string, newEmail: string): MailMessage =>
    mail(
      'email_change_notice',
      to,
      'Your email address is being changed',
      undefined,
      [`Someone signed in to the account of ${to} asked to change its address to ${newEmail}.`, 'The change is made only when the new address is confirmed.'],
      'If this was not you, change your password now and sign out everywhere.',
    ),
};

function mail(kind: string, to: string, subject: string, link: string | undefined, lines: string[], footer: string): MailMessage {
  return composeMail({ kind, to, subject, link, lines, footer });
}
