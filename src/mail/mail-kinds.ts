/**
 * The mails the service sends. A kind names a composer (registered by the
 * module that owns the mail, `MailOutbox.composeWith`) and labels
 * `auth_mails_total{kind}`.
 */
export const MAIL_KINDS = {
  passwordReset: 'password_reset',
  emailVerification: 'email_verification',
  emailChange: 'email_change',
  emailChangeNotice: 'email_change_notice',
  mfaEnabled: 'mfa_enabled',
  mfaDisabled: 'mfa_disabled',
  mfaLocked: 'mfa_locked',
  mfaReset: 'mfa_reset',
  recoveryCodeUsed: 'recovery_code_used',
  recoveryCodesRegenerated: 'recovery_codes_regenerated',
  passkeyAdded: 'passkey_added',
  passkeyRemoved: 'passkey_removed',
  identityLinked: 'identity_linked',
  identityUnlinked: 'identity_unlinked',
} as const;

export type MailKind = (typeof MAIL_KINDS)[keyof typeof MAIL_KINDS];
