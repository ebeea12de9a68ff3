/** What a mail says; the transport adds the sender. */
export interface MailMessage {
  /** For the log and `auth_mails_total{kind}`: `password_reset`, `email_verification`, ... */
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The link the mail is about, logged by the development outbox. */
  link?: string;
}
