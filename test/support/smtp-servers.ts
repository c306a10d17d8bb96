import { createServer, type Server, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { Pem } from './pki.js';

export type Behaviour = 'accept' | 'no-starttls' | 'old-tls' | 'defer-then-accept' | 'reject' | 'broken-handshake' | 'stall' | 'slow-data';

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: Buffer;
  secure: boolean;
  protocol?: string;
}

export interface TestSmtpServer {
  host: string;
  port: number;
  behaviour: Behaviour;
  /** Messages the server took in (DATA completed). */
  received: ReceivedMessage[];
  /** Every byte a client wrote while the connection was not encrypted (after the first EHLO line). */
  plaintext: string[];
  /** MAIL FROM / RCPT TO / DATA commands seen on a connection without TLS. */
  plaintextTransactions: number;
  connections: number;
  /** DATA transactions the server began to take in, and those whose connection closed before the server answered. */
  dataStarted: number;
  abortedTransactions: number;
  close(): Promise<void>;
}

/**
 * SMTP servers that behave the ways the delivery tier must cope with, on loopback. smtp-server runs the
 * protocol; `broken-handshake` and `stall` are raw sockets because no real server library misbehaves on purpose.
 */
export interface SmtpServerOptions {
  host?: string;
  port?: number;
  tls?: Pem;
  /** Require AUTH (PLAIN/LOGIN) with these credentials, as a relay (smart host) does. */
  auth?: { user: string; pass: string };
  /** TLS from the first byte (port 465 style) instead of STARTTLS. */
  implicitTls?: boolean;
  /** `slow-data`: how long the server holds its answer to each message's DATA (default 500 ms). */
  dataDelayMs?: number;
}

export async function startSmtpServer(behaviour: Behaviour, options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const host = options.host ?? '127.0.0.1';
  if (behaviour === 'broken-handshake' || behaviour === 'stall') return startRawServer(behaviour, host, options.port ?? 0);
  const state: TestSmtpServer = {
    host,
    port: 0,
    behaviour,
    received: [],
    plaintext: [],
    plaintextTransactions: 0,
    connections: 0,
    dataStarted: 0,
    abortedTransactions: 0,
    close: () => Promise.resolve(),
  };
  const deferred = new Set<string>();
  const inData = new Set<string>();
  const serverOptions: SMTPServerOptions = {
    authOptional: !options.auth,
    logger: false,
    secure: options.implicitTls ?? false,
    disabledCommands: behaviour === 'no-starttls' ? ['STARTTLS', 'AUTH'] : options.auth ? [] : ['AUTH'],
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    hideSTARTTLS: behaviour === 'no-starttls',
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    ...(behaviour === 'old-tls' ? { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } : { minVersion: 'TLSv1.2' }),
    onConnect(_session, callback) {
      state.connections += 1;
      callback();
    },
    onMailFrom(address, session, callback) {
      if (!session.secure) state.plaintextTransactions += 1;
      callback();
    },
    onRcptTo(address, session, callback) {
      if (!session.secure) state.plaintextTransactions += 1;
      if (behaviour === 'reject') {
        callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
        return;
      }
      if (behaviour === 'defer-then-accept' && !deferred.has(address.address)) {
        deferred.add(address.address);
        callback(Object.assign(new Error('4.7.1 Greylisted, try again later'), { responseCode: 451 }));
        return;
      }
      callback();
    },
    onClose(session) {
      if (inData.delete(session.id)) state.abortedTransactions += 1;
    },
    onData(stream, session, callback) {
      state.dataStarted += 1;
      inData.add(session.id);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const take = () => {
          // A client that hung up while the answer was held aborted the transaction: the message does not count.
          if (!inData.delete(session.id)) return;
          const raw = Buffer.concat(chunks);
          if (!session.secure) state.plaintext.push(raw.toString('latin1'));
          state.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            secure: session.secure,
          });
          callback();
        };
        // A slow receiver: the message is in, the answer comes later.
        if (behaviour === 'slow-data') setTimeout(take, options.dataDelayMs ?? 500);
        else take();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      resolve();
    });
  });
  state.port = (server.server.address() as { port: number }).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  return state;
}

async function startRawServer(behaviour: 'broken-handshake' | 'stall', host: string, port: number): Promise<TestSmtpServer> {
  const sockets = new Set<Socket>();
  const state: TestSmtpServer = {
    host,
    port: 0,
    behaviour,
    received: [],
    plaintext: [],
    plaintextTransactions: 0,
    connections: 0,
    dataStarted: 0,
    abortedTransactions: 0,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (behaviour === 'stall') return; // never greets
    socket.write('220 broken.test ESMTP\r\n');
    let afterStartTls = false;
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (afterStartTls) {
        // Whatever arrives now is the client's TLS handshake, or (if it gave up on TLS) plaintext.
        if (/MAIL FROM|RCPT TO|DATA|Subject:/i.test(text)) {
          state.plaintext.push(text);
          state.plaintextTransactions += 1;
        }
        return;
      }
      buffer += text;
      let index: number;
      while ((index = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        if (/^(EHLO|HELO)/i.test(line)) socket.write('250-broken.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
        else if (/^STARTTLS/i.test(line)) {
          socket.write('220 2.0.0 Ready to start TLS\r\n');
          afterStartTls = true;
          // Not TLS at all: a middlebox that answers the ClientHello with garbage.
          setTimeout(() => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'), 20);
        } else {
          state.plaintext.push(line);
          if (/^(MAIL|RCPT|DATA)/i.test(line)) state.plaintextTransactions += 1;
          socket.write('502 5.5.1 Unrecognized\r\n');
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve();
    });
  });
  state.port = (server.address() as { port: number }).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => {
        resolve();
      });
    });
  return state;
}
