import { AddressInfo } from 'node:net';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The `token` of the first link in the mail, if it has one. */
  token?: string;
  /** That link. */
  link?: string;
}

/**
 * A real SMTP server on a local port, in this process: the service's mail
 * goes to it over SMTP (SMTP_URL) and arrives here parsed.
 */
export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData: (stream, _session, done) => {
      simpleParser(stream)
        .then((parsed) => {
          this.mails.push(toReceived(parsed));
          for (const wake of this.waiters) wake();
          done();
        })
        .catch(done);
    },
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Mails received for `to` so far. */
  for(to: string): ReceivedMail[] {
    return this.mails.filter((mail) => mail.to === to);
  }

  /** Waits (at most `withinMs`, 10 s by default) for the `count`-th mail to `to` whose subject contains `subject`, and returns it. */
  async next(to: string, subject: string, count = 1, withinMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const found = this.for(to).filter((mail) => mail.subject.includes(subject));
      if (found.length >= count) return found[count - 1];
      if (Date.now() > deadline) throw new Error(`no mail "${subject}" for ${to}; received: ${this.mails.map((m) => `${m.to}: ${m.subject}`).join(', ')}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
        setTimeout(wake, 200);
      });
    }
  }
}

function toReceived(parsed: ParsedMail): ReceivedMail {
  const address = (field: ParsedMail['to'] | ParsedMail['from']) => (Array.isArray(field) ? field[0] : field)?.value[0]?.address ?? '';
  const text = parsed.text ?? '';
  const link = /https?:\/\/\S+\?token=[A-Za-z0-9_-]+/.exec(text)?.[0];
  return {
    to: address(parsed.to),
    from: address(parsed.from),
    subject: parsed.subject ?? '',
    text,
    html: typeof parsed.html === 'string' ? parsed.html : '',
    link,
    token: link ? new URL(link).searchParams.get('token')! : undefined,
  };
}
