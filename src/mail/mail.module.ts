import { Module } from '@nestjs/common';
import { MailConfig, mailConfig } from './mail.config';
import { MAIL_TRANSPORT, mailTransport } from './mail-transport';
import { MailService } from './mail.service';

/** Outgoing mail: `MailService.send`, delivered in the background over SMTP_URL or into the development outbox. */
@Module({
  providers: [MailService, { provide: MAIL_TRANSPORT, inject: [mailConfig.KEY], useFactory: (config: MailConfig) => mailTransport(config.mail) }],
  exports: [MailService],
})
export class MailModule {}
