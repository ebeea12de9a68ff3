import { composeMail, MailMessage } from '../mail';

/** Notices of identities linked to or unlinked from an account, each naming the address it was sent to. */
export const IdentityMails = {
  identityLinked: (to: string): MailMessage =>
    composeMail({
      kind: 'identity_linked',
      to,
      subject: 'A sign-in provider was linked to your account',
      lines: [`An account at a sign-in provider was linked to the account of ${to}; it signs in without the password.`],
      footer: 'If this was not you, someone can sign in to your account: unlink the identity on your account page, change your password and sign out everywhere.',
    }),
  identityUnlinked: (to: string): MailMessage =>
    composeMail({
      kind: 'identity_unlinked',
      to,
      subject: 'A sign-in provider was unlinked from your account',
      lines: [`An account at a sign-in provider was unlinked from the account of ${to}; it no longer signs in.`],
      footer: 'If this was not you, change your password now and sign out everywhere.',
    }),
};
