import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailConfig, mailConfig } from './mail.config';
import { MailOutbox } from './mail-outbox.service';
import { MailSender } from './mail-sender.service';
import { MAIL_TRANSPORT, mailTransport } from './mail-transport';
import { OutboxMail } from './outbox-mail.entity';

/**
 * Outgoing mail through a durable outbox: `MailOutbox.queue` in the deciding
 * transaction; the sender delivers over SMTP_URL, or into the development
 * outbox folder.
 */
@Module({
  imports: [TypeOrmModule.forFeature([OutboxMail])],
  providers: [MailOutbox, MailSender, { provide: MAIL_TRANSPORT, inject: [mailConfig.KEY], useFactory: (config: MailConfig) => mailTransport(config.mail) }],
  exports: [MailOutbox],
})
export class MailModule {}
