import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildMime, mailbox } from './mime.js';

describe('buildMime', () => {
  it('builds a message a MIME parser reads back exactly, non-ASCII included', async () => {
    const raw = buildMime({
      from: mailbox('Clínica Example', 'news@example.org'),
      to: '<pat@example.net>',
      subject: 'Your flu shot — 10 minutes, no appointment',
      messageId: '<abc@example.org>',
      html: '<p>Hello José, <a href="https://example.org/x">book</a></p>',
      text: 'Hello José, book: https://example.org/x',
      headers: { 'List-Unsubscribe': '<https://example.org/u/t>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    expect(raw.every((byte) => byte < 0x80)).toBe(true);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Your flu shot — 10 minutes, no appointment');
    expect(parsed.from?.value[0]).toMatchObject({ name: 'Clínica Example', address: 'news@example.org' });
    expect(parsed.html).toContain('Hello José');
    expect(parsed.text?.trim()).toBe('Hello José, book: https://example.org/x');
    expect(parsed.messageId).toBe('<abc@example.org>');
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('keeps header injection out', async () => {
    const raw = buildMime({ from: '<a@example.org>', to: '<b@example.net>', subject: 'Hi\r\nBcc: evil@example.com', messageId: '<m@x>', html: 'x', text: 'x' });
    const parsed = await simpleParser(raw);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(mailbox('Name "quoted"\r\nX: y', 'a@example.org')).toBe('"Name  quoted X: y" <a@example.org>');
  });
});
