import { randomBytes } from 'node:crypto';
import { encodeWords } from 'nodemailer/lib/mime-funcs';

export interface MimeParts {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  date?: Date;
  html: string;
  text: string;
  /** Extra headers (List-Unsubscribe, Feedback-ID…): names and values are ASCII. */
  headers?: Record<string, string>;
}

const CRLF = '\r\n';

/** Base64 in 76-column lines: fast to produce, safe over any SMTP server (the quoted-printable cost is MIME building's largest). */
export function base64Lines(content: string): string {
  const b64 = Buffer.from(content, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(CRLF);
}

function header(name: string, value: string): string {
  // Encoded words keep non-ASCII text 7-bit clean; CR/LF never reach the header block.
  const clean = value.replace(/[\r\n]+/g, ' ');
  return `${name}: ${/^[\x20-\x7e]*$/.test(clean) ? clean : encodeWords(clean, 'Q', 52)}`;
}

/** A display name and address as a From/To header value, the name quoted or encoded as needed. */
export function mailbox(name: string | undefined, address: string): string {
  if (!name) return `<${address}>`;
  const clean = name.replace(/[\r\n"\\]+/g, ' ').trim();
  return /^[\x20-\x7e]*$/.test(clean) ? `"${clean}" <${address}>` : `${encodeWords(clean, 'Q', 52)} <${address}>`;
}

/**
 * One message as the bytes SMTP DATA carries: multipart/alternative with a text and an HTML part,
 * both UTF-8 in base64. Built once per recipient with string joins (no MIME tree, no streams).
 */
export function buildMime(parts: MimeParts): Buffer {
  const boundary = `=_hm_${randomBytes(12).toString('hex')}`;
  const lines = [
    header('From', parts.from),
    header('To', parts.to),
    header('Subject', parts.subject),
    `Date: ${(parts.date ?? new Date()).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${parts.messageId}`,
    'MIME-Version: 1.0',
    ...Object.entries(parts.headers ?? {}).map(([name, value]) => header(name, value)),
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(parts.text),
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(parts.html),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join(CRLF), 'utf8');
}
