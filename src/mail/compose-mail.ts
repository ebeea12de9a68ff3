import { MailMessage } from './mail-message';

export interface MailText {
  kind: string;
  to: string;
  subject: string;
  /** The paragraphs before the link. */
  lines: string[];
  link?: string;
  /** What to do if the mail was not expected. */
  footer: string;
}

/**
 * A mail with its plain-text and HTML parts, the link (if any) on a line of
 * its own, and the address it was sent to named at the end.
 */
export function composeMail({ kind, to, subject, lines, link, footer }: MailText): MailMessage {
  const sentTo = `This mail was sent to ${to}.`;
  const text = [...lines, ...(link ? ['', link] : []), '', footer, '', sentTo, ''].join('\n');
  const paragraphs = lines.map((line) => `<p>${escapeHtml(line)}</p>`);
  if (link) paragraphs.push(`<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`);
  const html = `<!doctype html><html><body>${paragraphs.join('')}<p>${escapeHtml(footer)}</p><p><small>${escapeHtml(sentTo)}</small></p></body></html>`;
  return { kind, to, subject, text, html, link };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
