import type { SecureContext, TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NoTlsReason, TlsRptResultType } from '../delivery.types.js';
import { cipherBits, classifyTlsError, CLIENT_CIPHERS, judgeSession, type SmtpErrorLike } from './tls-policy.js';

/** Where and how to connect. `verifyCert` makes an unverified certificate (chain or name) a reason to drop. */
export interface SmtpTarget {
  /** The name the certificate must carry: the MX or relay host name. */
  host: string;
  /** The address to connect to (a resolved MX address); `host` when absent. */
  address?: string;
  port: number;
  implicitTls: boolean;
  verifyCert: boolean;
  auth?: { user: string; pass: string };
}

export interface SessionOptions {
  heloName: string;
  timeoutMs: number;
  /** A prebuilt context holding the trusted CAs (the default context when absent). */
  secureContext?: SecureContext;
}

export interface TlsFacts {
  tlsVersion: string;
  cipher: string;
  cipherBits: number;
  certVerified: boolean;
  certError?: string;
  peerIp?: string;
}

export type OpenResult =
  | { ok: true; session: SmtpSession; connectMs: number }
  | { ok: false; kind: 'no_tls'; reason: NoTlsReason; detail: string; resultType: TlsRptResultType; facts?: Partial<TlsFacts> }
  | { ok: false; kind: 'connection'; code: string; detail: string; smtpCode?: number };

export type SendResult =
  | { status: 'accepted'; smtpCode: number; response: string; sendMs: number }
  | { status: 'rejected'; permanent: boolean; smtpCode: number; response: string; sendMs: number }
  | { status: 'connection_lost'; code: string; detail: string; sendMs: number };

/**
 * One SMTP session that is TLS or nothing. STARTTLS is required (or TLS from the first byte on port
 * 465); the session is judged right after the handshake (TLS 1.2+, a ≥128-bit cipher, and a verified
 * certificate when the route demands one) and a session that fails is closed before MAIL FROM, so no
 * envelope or content is ever written unencrypted. A session carries many messages (RSET between them).
 */
export class SmtpSession {
  sent = 0;
  lastUsed = Date.now();
  private broken = false;

  private constructor(
    private readonly connection: SMTPConnection,
    readonly target: SmtpTarget,
    readonly facts: TlsFacts,
  ) {
    connection.on('error', () => {
      this.broken = true;
    });
    connection.on('end', () => {
      this.broken = true;
    });
  }

  get usable(): boolean {
    return !this.broken && !this.connection.destroyed;
  }

  static async open(target: SmtpTarget, options: SessionOptions): Promise<OpenResult> {
    const started = Date.now();
    const servername = isIp(target.host) ? undefined : target.host;
    const connection = new SMTPConnection({
      host: target.address ?? target.host,
      port: target.port,
      secure: target.implicitTls,
      requireTLS: true,
      name: options.heloName,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      // Judged below, after the handshake, so the reason is exact; nothing is sent before that.
      tls: {
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
        ciphers: CLIENT_CIPHERS,
        servername,
        ...(options.secureContext ? { secureContext: options.secureContext } : {}),
      },
      ...(servername ? { servername } : {}),
      logger: false,
    });
    let certCode: string | undefined;
    const connected = await new Promise<SmtpErrorLike | null>((resolve) => {
      connection.once('error', (err: SmtpErrorLike) => {
        // A failure inside the TLS handshake surfaces as a socket error: mark it as the TLS failure it is.
        const duringTls = connection.upgrading === true || /SSL routines|alert|handshake/i.test(err.message ?? '');
        resolve(duringTls && err.code !== 'ETLS' ? { ...err, message: err.message, code: 'ETLS', command: 'CONN' } : err);
      });
      connection.connect(() => {
        resolve(null);
      });
    });
    const socket = connection._socket as TLSSocket | null | false;
    if (connected) {
      connection.close();
      const tls = classifyTlsError(connected, certCode);
      if (tls) return { ok: false, kind: 'no_tls', ...tls };
      return {
        ok: false,
        kind: 'connection',
        code: connected.code ?? 'ECONNECTION',
        detail: (connected.message ?? '').slice(0, 300),
        smtpCode: connected.responseCode,
      };
    }
    if (!socket || !connection.secure || typeof socket.getProtocol !== 'function') {
      connection.close();
      return { ok: false, kind: 'no_tls', reason: 'tls_handshake_failed', detail: 'session is not encrypted', resultType: 'validation-failure' };
    }
    const cipher = socket.getCipher();
    const facts: TlsFacts = {
      tlsVersion: socket.getProtocol() ?? 'unknown',
      cipher: cipher.standardName || cipher.name,
      cipherBits: cipherBits(cipher.standardName || cipher.name),
      certVerified: socket.authorized,
      ...(socket.authorized ? {} : { certError: String(socket.authorizationError) }),
      ...(socket.remoteAddress ? { peerIp: socket.remoteAddress } : {}),
    };
    const judged = judgeSession({ protocol: socket.getProtocol(), cipher: cipher.name });
    if (!judged.ok) {
      connection.close();
      return { ok: false, kind: 'no_tls', reason: judged.reason, detail: judged.detail, resultType: 'validation-failure', facts };
    }
    if (target.verifyCert && !socket.authorized) {
      certCode = String(socket.authorizationError);
      connection.close();
      const tls = classifyTlsError({ code: 'ETLS', message: `certificate not verified for ${target.host}` }, certCode) ?? {
        reason: 'certificate_invalid' as const,
        detail: certCode,
        resultType: 'certificate-not-trusted' as const,
      };
      return { ok: false, kind: 'no_tls', ...tls, facts };
    }
    if (target.auth) {
      const loginError = await new Promise<SmtpErrorLike | null>((resolve) => {
        connection.login({ user: target.auth?.user, pass: target.auth?.pass }, (err) => {
          resolve(err ?? null);
        });
      });
      if (loginError) {
        connection.close();
        return {
          ok: false,
          kind: 'connection',
          code: 'EAUTH',
          detail: (loginError.message ?? 'authentication failed').slice(0, 200),
          smtpCode: loginError.responseCode,
        };
      }
    }
    return { ok: true, session: new SmtpSession(connection, target, facts), connectMs: Date.now() - started };
  }

  /** Sends one message to one recipient. The raw message is a prebuilt MIME buffer. */
  async send(from: string, to: string, raw: Buffer): Promise<SendResult> {
    const started = Date.now();
    this.lastUsed = started;
    if (this.sent > 0) {
      const resetError = await new Promise<SmtpErrorLike | null>((resolve) => {
        this.connection.reset((err) => {
          resolve(err ?? null);
        });
      });
      if (resetError) {
        this.broken = true;
        return {
          status: 'connection_lost',
          code: resetError.code ?? 'ECONNECTION',
          detail: (resetError.message ?? '').slice(0, 200),
          sendMs: Date.now() - started,
        };
      }
    }
    return new Promise<SendResult>((resolve) => {
      this.connection.send({ from, to: [to] }, raw, (err, info) => {
        const sendMs = Date.now() - started;
        this.lastUsed = Date.now();
        if (!err) {
          this.sent += 1;
          resolve({ status: 'accepted', smtpCode: Number(info.response.slice(0, 3)) || 250, response: info.response.slice(0, 300), sendMs });
          return;
        }
        const e = err as SmtpErrorLike;
        const code = e.responseCode ?? 0;
        if (code >= 400 && code < 600) {
          this.sent += 1;
          resolve({ status: 'rejected', permanent: code >= 500, smtpCode: code, response: scrubResponse(e.response || e.message || ''), sendMs });
          return;
        }
        this.broken = true;
        resolve({ status: 'connection_lost', code: e.code ?? 'ECONNECTION', detail: scrubResponse(e.message ?? ''), sendMs });
      });
    });
  }

  close(): void {
    this.broken = true;
    try {
      this.connection.quit();
    } catch {
      this.connection.close();
    }
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** Server responses sometimes echo the recipient address: keep the code and text, never an address. */
export function scrubResponse(text: string): string {
  return text
    .replace(/<?[^\s<>@]+@[^\s<>]+>?/g, '<address>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}
