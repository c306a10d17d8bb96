import type { EventEmitter } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerError, type SMTPServerSession } from 'smtp-server';
import { loadOrCreateTlsMaterial } from './cert.js';
import { createInboxServer } from './inbox-http.js';
import { MessageStore, type StoredMessageMeta, type TlsSessionInfo } from './message-store.js';

/** The subset of pino's API the sink logs through. Nothing from a message's content is logged. */
export interface MailSinkLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface MailSinkOptions {
  /** Interface both servers bind to. Loopback by default: the sink holds whatever the app sends. */
  host?: string;
  /** 0 (the default) picks a free port. */
  smtpPort?: number;
  /** 0 (the default) picks a free port; null or false runs no web inbox. */
  httpPort?: number | null | false;
  /** Certificates go to `<dataDir>/tls`, messages to `<dataDir>/messages`. */
  dataDir: string;
  logger?: MailSinkLogger;
  /** Larger messages are refused with 552. Defaults to 25 MB. */
  maxMessageBytes?: number;
}

export type MessageListener = (meta: StoredMessageMeta) => void;

export const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
const STARTTLS_REQUIRED = 'Must issue a STARTTLS command first';
const CLOSE_TIMEOUT_MS = 1_000;
const silentLogger: MailSinkLogger = { info: () => undefined, warn: () => undefined };

/**
 * A local SMTP server that only accepts mail over STARTTLS (TLS 1.2+), stores every
 * message it is given, and shows them in a small web inbox. For development and tests:
 * it relays nothing and accepts any sender, recipient and credentials.
 */
export class MailSink {
  readonly host: string;
  readonly dataDir: string;
  readonly smtpPort: number;
  readonly httpPort: number | null;
  /** The CA that signed the sink's `localhost` certificate; pin it in clients. */
  readonly caPem: string;
  readonly store: MessageStore;

  readonly #smtp: SMTPServer;
  readonly #http: HttpServer | null;
  readonly #listeners: Set<MessageListener>;
  readonly #onStop = new Set<() => void>();
  #stopping: Promise<void> | null = null;

  private constructor(parts: {
    host: string;
    dataDir: string;
    smtp: SMTPServer;
    smtpPort: number;
    http: HttpServer | null;
    httpPort: number | null;
    caPem: string;
    store: MessageStore;
    listeners: Set<MessageListener>;
  }) {
    this.host = parts.host;
    this.dataDir = parts.dataDir;
    this.#smtp = parts.smtp;
    this.smtpPort = parts.smtpPort;
    this.#http = parts.http;
    this.httpPort = parts.httpPort;
    this.caPem = parts.caPem;
    this.store = parts.store;
    this.#listeners = parts.listeners;
  }

  static async start(options: MailSinkOptions): Promise<MailSink> {
    const host = options.host ?? '127.0.0.1';
    const logger = options.logger ?? silentLogger;
    const tlsMaterial = await loadOrCreateTlsMaterial(join(options.dataDir, 'tls'));
    const { store, skipped } = await MessageStore.open(options.dataDir);
    if (skipped.length) logger.warn({ skipped: skipped.length }, 'mail sink skipped unreadable message metadata');

    const listeners = new Set<MessageListener>();
    const smtp = createSmtpServer({
      tls: tlsMaterial,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      logger,
      store,
      onStored: (meta) => notify(listeners, meta, logger),
    });
    const smtpPort = await listen(smtp.server, () => smtp.listen(options.smtpPort ?? 0, host), smtp);
    smtp.on('error', (error) => logger.warn({ err: error.message }, 'mail sink SMTP error'));

    let http: HttpServer | null = null;
    let httpPort: number | null = null;
    if (options.httpPort !== null && options.httpPort !== false) {
      try {
        http = createInboxServer({ store, host, logger });
        const server = http;
        httpPort = await listen(server, () => server.listen(options.httpPort || 0, host));
      } catch (error) {
        await closeSmtp(smtp);
        throw error;
      }
    }

    const caPem = tlsMaterial.ca;
    const sink = new MailSink({
      host,
      dataDir: options.dataDir,
      smtp,
      smtpPort,
      http,
      httpPort,
      caPem,
      store,
      listeners,
    });
    logger.info({ host, smtpPort, httpPort, messages: store.count }, 'mail sink listening (STARTTLS required)');
    return sink;
  }

  /** Calls `listener` after each message is stored. Returns a function that unsubscribes it. */
  onMessage(listener: MessageListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with the `count` newest messages (at most MAX_PAGE_SIZE) once the store holds
   * at least `count`, counting messages kept from earlier runs; rejects after `timeoutMs` or on `stop()`.
   */
  waitForMessages(count: number, timeoutMs = 10_000): Promise<StoredMessageMeta[]> {
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void): void => {
        clearTimeout(timer);
        unsubscribe();
        this.#onStop.delete(onStop);
        outcome();
      };
      const check = (): void => {
        if (this.store.count >= count) settle(() => resolve(this.store.list({ limit: count }).items.slice(0, count)));
      };
      const onStop = (): void => settle(() => reject(new Error('Mail sink stopped while waiting for messages')));
      const timer = setTimeout(() => {
        const message = `Timed out after ${timeoutMs} ms waiting for ${count} message(s); the sink holds ${this.store.count}`;
        settle(() => reject(new Error(message)));
      }, timeoutMs);
      const unsubscribe = this.onMessage(check);
      this.#onStop.add(onStop);
      check();
    });
  }

  /** Stops both servers; open SMTP sessions get a 421 after a short grace period. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    for (const onStop of [...this.#onStop]) onStop();
    const http = this.#http;
    await Promise.all([
      closeSmtp(this.#smtp),
      http &&
        new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        }),
    ]);
  }
}

interface SmtpServerParts {
  tls: { key: string; cert: string };
  maxMessageBytes: number;
  logger: MailSinkLogger;
  store: MessageStore;
  onStored: (meta: StoredMessageMeta) => void;
}

function createSmtpServer({ tls, maxMessageBytes, logger, store, onStored }: SmtpServerParts): SMTPServer {
  // getCipher().version is the cipher's minimum protocol, not the negotiated one, so the
  // protocol is read from the socket when the session turns secure.
  const tlsBySession = new WeakMap<SMTPServerSession, TlsSessionInfo>();

  return new SMTPServer({
    key: tls.key,
    cert: tls.cert,
    minVersion: 'TLSv1.2',
    name: 'localhost',
    banner: 'HIPAA Mail dev mail sink',
    logger: false,
    disableReverseLookup: true,
    hideENHANCEDSTATUSCODES: false,
    // Nothing is relayed, so any credentials will do; accepting them lets a transport
    // configured with a user and password send here unchanged. smtp-server itself refuses
    // AUTH before STARTTLS (538 5.7.0).
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true,
    size: maxMessageBytes,
    rejectOversized: true,
    closeTimeout: CLOSE_TIMEOUT_MS,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anonymous' }),
    onSecure: (socket, session, callback) => {
      if (socket instanceof TLSSocket) {
        tlsBySession.set(session, { protocol: socket.getProtocol(), cipher: socket.getCipher().name });
      }
      callback();
    },
    onMailFrom: (_address, session, callback) => callback(requireSecure(session)),
    onRcptTo: (_address, session, callback) => callback(requireSecure(session)),
    onData: (stream, session, callback) => {
      const refusal = requireSecure(session);
      if (refusal) {
        stream.resume();
        stream.once('end', () => callback(refusal));
        return;
      }
      readMessage(stream)
        .then(async (raw) => {
          if (!raw) {
            callback(smtpError(552, 'Message exceeds the maximum size'));
            return;
          }
          const meta = await store.save({
            raw,
            envelope: envelopeOf(session),
            remoteAddress: session.remoteAddress,
            tls: tlsBySession.get(session) ?? {
              protocol: null,
              cipher: session.tlsOptions ? session.tlsOptions.name : null,
            },
          });
          logger.info({ messageId: meta.id, size: meta.size, tls: meta.tls }, 'mail sink stored a message');
          callback(null, `Stored as ${meta.id}`);
          onStored(meta);
        })
        .catch((error: unknown) => {
          logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'mail sink could not store a message');
          callback(smtpError(451, 'Could not store the message'));
        });
    },
  });
}

function notify(listeners: Set<MessageListener>, meta: StoredMessageMeta, logger: MailSinkLogger): void {
  for (const listener of [...listeners]) {
    try {
      listener(meta);
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'mail sink message listener threw');
    }
  }
}

function requireSecure(session: SMTPServerSession): SMTPServerError | null {
  return session.secure ? null : smtpError(530, STARTTLS_REQUIRED);
}

export function smtpError(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

/** The whole message, or null when it went over the size limit (its bytes are drained, not kept). */
export function readMessage(stream: SMTPServerDataStream): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(stream.sizeExceeded ? null : Buffer.concat(chunks)));
  });
}

function envelopeOf(session: SMTPServerSession): StoredMessageMeta['envelope'] {
  const { mailFrom, rcptTo } = session.envelope;
  return { mailFrom: mailFrom ? mailFrom.address : '', rcptTo: rcptTo.map((rcpt) => rcpt.address) };
}

/** Runs `start` and resolves with the bound port, or rejects with the listen error (eg. EADDRINUSE). */
function listen(server: NetServer, start: () => void, errors: EventEmitter = server): Promise<number> {
  return new Promise((resolve, reject) => {
    errors.once('error', reject);
    server.once('listening', () => {
      errors.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
    start();
  });
}

function closeSmtp(smtp: SMTPServer): Promise<void> {
  return new Promise((resolve) => smtp.close(() => resolve()));
}
