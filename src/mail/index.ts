/** What other modules may use of MailModule. */
export { MailModule } from './mail.module';
export { MailOutbox } from './mail-outbox.service';
export { MAIL_KINDS } from './mail-kinds';
export type { MailMessage } from './mail-message';
export { composeMail } from './compose-mail';
export type { OutboxMail } from './outbox-mail.entity';
export { mailConfig } from './mail.config';
