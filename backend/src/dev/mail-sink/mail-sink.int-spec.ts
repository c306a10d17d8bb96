import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateTlsMaterial } from './cert.js';
import { MailSink } from './mail-sink.js';
import type { MessagePage, StoredMessage } from './message-store.js';

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mail-sink-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function startSink(dataDir?: string): Promise<MailSink> {
  const sink = await MailSink.start({ dataDir: dataDir ?? (await tempDir()), smtpPort: 0, httpPort: 0 });
  cleanups.push(() => sink.stop());
  return sink;
}

function pinnedTransport(sink: MailSink, tls: { ca?: string; maxVersion?: 'TLSv1.2' } = {}) {
  const transport = createTransport({
    host: '127.0.0.1',
    port: sink.smtpPort,
    secure: false,
    requireTLS: true,
    tls: { ca: tls.ca ?? sink.caPem, servername: 'localhost', maxVersion: tls.maxVersion },
  });
  cleanups.push(() => transport.close());
  return transport;
}

const message = {
  from: '"Clinic" <noreply@clinic.example>',
  to: 'patient@example.com',
  subject: 'Your appointment',
  text: 'See you on Monday.',
  html: '<p>See you on <b>Monday</b>.</p>',
};

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(sink: MailSink, method: string, path: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: sink.httpPort ?? 0, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A bare SMTP client, to check replies nodemailer never shows (it would not send these commands). */
async function smtpDialog(port: number, commands: string[]): Promise<string[]> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  const lines: string[] = [];
  let buffer = '';
  let waiting: (() => void) | null = null;
  socket.on('data', (data: string) => {
    buffer += data;
    const complete = buffer.split('\r\n');
    buffer = complete.pop() ?? '';
    lines.push(...complete);
    // A final reply line has a space after the code; continuation lines have a dash.
    if (complete.some((line) => /^\d{3} /.test(line))) waiting?.();
  });
  const reply = () => new Promise<void>((resolve) => (waiting = resolve));
  const replies: string[] = [];
  await reply();
  for (const command of commands) {
    const next = reply();
    socket.write(`${command}\r\n`);
    await next;
    replies.push(lines.filter((line) => /^\d{3} /.test(line)).pop() ?? '');
  }
  socket.destroy();
  return replies;
}

describe('MailSink', () => {
  it('accepts a message over STARTTLS from a client that pins its CA and records the TLS session', async () => {
    const sink = await startSink();
    const info = await pinnedTransport(sink).sendMail(message);

    const [meta] = await sink.waitForMessages(1, 5_000);
    expect(info.response).toMatch(/^250 /);
    expect(meta).toMatchObject({
      subject: 'Your appointment',
      from: '"Clinic" <noreply@clinic.example>',
      to: 'patient@example.com',
      envelope: { mailFrom: 'noreply@clinic.example', rcptTo: ['patient@example.com'] },
      remoteAddress: '127.0.0.1',
      messageId: info.messageId,
    });
    expect(['TLSv1.2', 'TLSv1.3']).toContain(meta.tls.protocol);
    expect(meta.tls.cipher).toMatch(/^[A-Z0-9_-]+$/);

    const stored = await sink.store.get(meta.id);
    expect(stored?.html).toContain('<b>Monday</b>');
    expect(stored?.text?.trim()).toBe('See you on Monday.');
    const files = await readdir(join(sink.dataDir, 'messages'));
    expect(files.sort()).toEqual([`${meta.id}.eml`, `${meta.id}.json`]);
  });

  it('records the negotiated protocol, not the cipher suite version', async () => {
    const sink = await startSink();
    await pinnedTransport(sink, { maxVersion: 'TLSv1.2' }).sendMail(message);

    const [meta] = await sink.waitForMessages(1, 5_000);
    expect(meta.tls.protocol).toBe('TLSv1.2');
    expect(meta.tls.cipher).toMatch(/^ECDHE-ECDSA-/);
  });

  it('is not trusted by a client that pins another CA', async () => {
    const sink = await startSink();
    const otherCa = (await loadOrCreateTlsMaterial(await tempDir())).ca;

    await expect(pinnedTransport(sink, { ca: otherCa }).sendMail(message)).rejects.toThrow();
    expect(sink.store.count).toBe(0);
  });

  it('refuses a client that does not issue STARTTLS with 530 and stores nothing', async () => {
    const sink = await startSink();
    const transport = createTransport({ host: '127.0.0.1', port: sink.smtpPort, secure: false, ignoreTLS: true });
    cleanups.push(() => transport.close());

    const error: unknown = await transport.sendMail(message).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ responseCode: 530 });
    expect((error as { response?: string }).response).toBe('530 5.7.0 Must issue a STARTTLS command first');
    expect(sink.store.count).toBe(0);
    expect(await readdir(join(sink.dataDir, 'messages'))).toEqual([]);
  });

  it('refuses MAIL, RCPT and AUTH before STARTTLS', async () => {
    const sink = await startSink();
    const replies = await smtpDialog(sink.smtpPort, [
      'EHLO client.example',
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<b@example.com>',
      'AUTH PLAIN AGFAYg==',
      'QUIT',
    ]);
    expect(replies[0]).toMatch(/^250 /);
    expect(replies[1]).toBe('530 5.7.0 Must issue a STARTTLS command first');
    expect(replies[2]).toMatch(/^503 /); // no transaction was ever opened
    expect(replies[3]).toMatch(/^538 5\.7\.0 .*STARTTLS/);
  });

  it('serves an inbox that lists messages, shows TLS details and escapes message content', async () => {
    const sink = await startSink();
    const transport = pinnedTransport(sink);
    await transport.sendMail(message);
    await transport.sendMail({
      ...message,
      subject: '<script>alert("subject")</script> Lab results',
      html: '<p>Hi</p><script>alert("body")</script><img src="https://tracker.example/p.gif" onerror="alert(1)">',
    });
    const [hostile, plain] = await sink.waitForMessages(2, 5_000);

    const inbox = await http(sink, 'GET', '/');
    expect(inbox.status).toBe(200);
    expect(inbox.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(inbox.headers['content-security-policy']).toContain("default-src 'none'");
    expect(inbox.headers['content-security-policy']).not.toContain('script-src');
    expect(inbox.body).toContain('Your appointment');
    expect(inbox.body).toContain('&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt; Lab results');
    expect(inbox.body).toContain(hostile.tls.cipher ?? 'missing');
    expect(inbox.body).not.toMatch(/<script/i);
    expect(inbox.body.indexOf(hostile.id)).toBeLessThan(inbox.body.indexOf(plain.id)); // newest first

    const page = await http(sink, 'GET', `/messages/${hostile.id}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toMatch(/<script/i);
    expect(page.body).toContain('<h1>&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt; Lab results</h1>');
    expect(page.body).toContain(`<dd>${hostile.tls.protocol}</dd>`);
    expect(page.body).toContain(`<dd>${hostile.tls.cipher}</dd>`);
    expect(page.body).toContain('&lt;patient@example.com&gt;');
    const srcdoc = /<iframe sandbox="" [^>]*srcdoc="([^"]*)"><\/iframe>/.exec(page.body)?.[1];
    expect(srcdoc).toContain('&lt;script&gt;alert(&quot;body&quot;)&lt;/script&gt;');
    expect(page.body).toContain('See you on Monday.');

    const raw = await http(sink, 'GET', `/messages/${hostile.id}/raw`);
    expect(raw.headers['content-type']).toBe('message/rfc822');
    expect(raw.body).toMatch(/^Subject: /m);

    const list = JSON.parse((await http(sink, 'GET', '/api/messages?limit=1')).body) as MessagePage;
    expect(list).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(list.items.map((item) => item.id)).toEqual([hostile.id]);
    const one = JSON.parse((await http(sink, 'GET', `/api/messages/${plain.id}`)).body) as StoredMessage;
    expect(one).toMatchObject({ id: plain.id, subject: 'Your appointment', tls: plain.tls });
    expect(one.headers.some((header) => header.name === 'subject')).toBe(true);
  });

  it('answers 404 for unknown messages, 405 for other methods, 403 for foreign Host headers, and clears on DELETE', async () => {
    const sink = await startSink();
    await pinnedTransport(sink).sendMail(message);
    await sink.waitForMessages(1, 5_000);
    const unknownId = 'A'.repeat(22);

    const apiMissing = await http(sink, 'GET', `/api/messages/${unknownId}`);
    expect(apiMissing.status).toBe(404);
    expect(JSON.parse(apiMissing.body)).toEqual({ error: 'not_found' });
    const pageMissing = await http(sink, 'GET', '/messages/..%2F..%2Fetc%2Fpasswd');
    expect(pageMissing.status).toBe(404);
    expect(pageMissing.headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await http(sink, 'POST', '/api/messages')).status).toBe(405);
    expect((await http(sink, 'GET', '/', { Host: 'rebound.attacker.example' })).status).toBe(403);
    expect((await http(sink, 'GET', '/', { Host: `localhost:${sink.httpPort}` })).status).toBe(200);

    const cleared = await http(sink, 'DELETE', '/api/messages');
    expect(JSON.parse(cleared.body)).toEqual({ deleted: 1 });
    expect(sink.store.count).toBe(0);
    expect(await readdir(join(sink.dataDir, 'messages'))).toEqual([]);
  });

  it('reuses its certificate and keeps its messages across a restart', async () => {
    const dataDir = await tempDir();
    const first = await startSink(dataDir);
    await pinnedTransport(first).sendMail(message);
    const [kept] = await first.waitForMessages(1, 5_000);
    await first.stop();

    const second = await startSink(dataDir);
    expect(second.caPem).toBe(first.caPem);
    expect(second.store.list().items).toEqual([kept]);
    expect((await http(second, 'GET', '/')).body).toContain('Your appointment');
    expect((await stat(join(dataDir, 'tls', 'server.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'tls', 'ca.key'))).mode & 0o777).toBe(0o600);

    // A client that pinned the CA during the first run still trusts the sink.
    await pinnedTransport(second, { ca: first.caPem }).sendMail({ ...message, subject: 'Second run' });
    const [latest] = await second.waitForMessages(2, 5_000);
    expect(latest.subject).toBe('Second run');
  });

  it('fails to start when a port is taken', async () => {
    const running = await startSink();
    const dataDir = await tempDir();

    await expect(MailSink.start({ dataDir, smtpPort: running.smtpPort, httpPort: false })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await expect(MailSink.start({ dataDir, smtpPort: 0, httpPort: running.httpPort ?? 0 })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('can run without the web inbox and stops idempotently', async () => {
    const sink = await MailSink.start({ dataDir: await tempDir(), httpPort: false });
    expect(sink.httpPort).toBeNull();
    const waiting = sink.waitForMessages(1, 5_000);
    await Promise.all([sink.stop(), sink.stop()]);
    await expect(waiting).rejects.toThrow(/stopped/);
  });
});
