import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { createTlsMaterial, readMessage, smtpError } from '../../dev/mail-sink/index.js';
import { type Bounce, type BounceOutcome, BouncesService, logId } from './bounces.service.js';
import { decisiveRecipient, type DsnRecipient, parseInboundReport } from './inbound-report.js';
import { ReturnPaths } from './return-paths.js';

/** Reports are small; a returned original message is truncated by most MTAs well below this. */
export const INBOUND_MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_RECIPIENTS = 10;
const MAX_CLIENTS = 100;

/** What the receiver has seen since it started (per process). */
export interface InboundCounters {
  messages: number;
  bounces: number;
  complaints: number;
  /** Reports that call for nothing: success DSNs, not-spam feedback, duplicates, unknown deliveries. */
  ignored: number;
  unparseable: number;
  rejectedRecipients: number;
  /** Messages answered with 451 because they could not be applied (e.g. the database was unavailable). */
  failed: number;
}

/**
 * The inbound SMTP server for asynchronous bounces (RFC 3464 DSNs) and complaints (RFC 5965 ARF reports), in
 * worker processes. It accepts mail only for VERP return paths with a valid signature (anything else: 550), offers
 * STARTTLS (TLS 1.2+; bounce senders are MTAs that may not speak TLS, so it is not required), has no AUTH, and
 * keeps nothing of a message: each is parsed in memory, applied through BouncesService, and dropped. Logs carry
 * delivery ids, codes and counts, never content or addresses.
 */
@Injectable()
export class InboundSmtpReceiver implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(InboundSmtpReceiver.name);
  private readonly counters: InboundCounters = { messages: 0, bounces: 0, complaints: 0, ignored: 0, unparseable: 0, rejectedRecipients: 0, failed: 0 };
  private server?: SMTPServer;
  private port: number | null = null;
  /** The CA of the certificate generated at boot (null when one is configured): what a test client pins. */
  caPem: string | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly returnPaths: ReturnPaths,
    private readonly bounces: BouncesService,
  ) {}

  /** Where it listens, or null when INBOUND_SMTP_PORT is 0 (off). */
  get address(): { host: string; port: number } | null {
    return this.port === null ? null : { host: this.config.INBOUND_SMTP_HOST, port: this.port };
  }

  stats(): Readonly<InboundCounters> {
    return { ...this.counters };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.INBOUND_SMTP_PORT) return;
    const server = this.createServer(await this.tlsMaterial());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.server.once('listening', () => {
        server.off('error', reject);
        resolve();
      });
      server.listen(this.config.INBOUND_SMTP_PORT, this.config.INBOUND_SMTP_HOST);
    });
    server.on('error', (err: Error & { code?: string }) => this.logger.warn({ errorCode: err.code ?? err.name }, 'inbound SMTP connection error'));
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    this.logger.log({ host: this.config.INBOUND_SMTP_HOST, port: this.port, domain: this.config.BOUNCE_DOMAIN }, 'inbound SMTP receiver listening');
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.port = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async tlsMaterial(): Promise<{ key: string; cert: string }> {
    const { INBOUND_SMTP_TLS_CERT_FILE: certFile, INBOUND_SMTP_TLS_KEY_FILE: keyFile } = this.config;
    if (certFile && keyFile) {
      const [cert, key] = await Promise.all([
        readFile(certFile, 'utf8').catch(() => Promise.reject(new Error('INBOUND_SMTP_TLS_CERT_FILE: file cannot be read'))),
        readFile(keyFile, 'utf8').catch(() => Promise.reject(new Error('INBOUND_SMTP_TLS_KEY_FILE: file cannot be read'))),
      ]);
      return { cert, key };
    }
    const generated = await createTlsMaterial();
    this.caPem = generated.ca;
    return generated;
  }

  private createServer(tls: { key: string; cert: string }): SMTPServer {
    return new SMTPServer({
      key: tls.key,
      cert: tls.cert,
      minVersion: 'TLSv1.2',
      name: this.config.BOUNCE_DOMAIN,
      banner: 'HIPAA Mail bounce receiver',
      logger: false,
      disableReverseLookup: true,
      hideENHANCEDSTATUSCODES: false,
      hideDSN: true,
      disabledCommands: ['AUTH'],
      authOptional: true,
      size: INBOUND_MAX_MESSAGE_BYTES,
      rejectOversized: true,
      maxClients: MAX_CLIENTS,
      // On shutdown, open sessions get a 421 after this; their senders retry later.
      closeTimeout: 5_000,
      onRcptTo: (address, session, callback) => {
        if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) {
          callback(smtpError(452, 'Too many recipients'));
        } else if (this.returnPaths.parse(address.address)) {
          callback();
        } else {
          this.counters.rejectedRecipients += 1;
          callback(smtpError(550, 'No such recipient'));
        }
      },
      onData: (stream, session, callback) => {
        // A message over the limit reads as null; smtp-server answers it with 552 (rejectOversized).
        readMessage(stream)
          .then(async (raw) => {
            if (raw) await this.receive(raw, session);
            callback();
          })
          .catch((err: unknown) => {
            this.counters.failed += 1;
            this.logger.warn({ errorCode: errorCode(err) }, 'inbound report could not be applied; the sender will retry');
            callback(smtpError(451, 'Temporary failure, try again later'));
          });
      },
    });
  }

  private async receive(raw: Buffer, session: SMTPServerSession): Promise<void> {
    this.counters.messages += 1;
    const report = await parseInboundReport(raw);
    if (report.type === 'unparseable') {
      this.counters.unparseable += 1;
      this.logger.warn({ reason: report.reason, size: raw.length }, 'inbound message is neither a DSN nor an ARF report');
      return;
    }
    // Every accepted recipient is a verified return path (RCPT refuses anything else), so the envelope names the deliveries.
    const deliveryIds = [...new Set(session.envelope.rcptTo.map((r) => this.returnPaths.parse(r.address)).filter((id): id is string => id !== null))];
    const outcomes = report.type === 'dsn' ? await this.applyDsn(report.recipients, deliveryIds) : await this.applyFeedback(report, deliveryIds);
    for (const outcome of outcomes) {
      if (outcome === 'bounced' || outcome === 'deferred') this.counters.bounces += 1;
      else if (outcome === 'complained') this.counters.complaints += 1;
      else this.counters.ignored += 1;
    }
    this.logger.log({ type: report.type, deliveries: deliveryIds.map(logId), outcomes }, 'inbound report processed');
  }

  private async applyDsn(recipients: DsnRecipient[], deliveryIds: string[]): Promise<BounceOutcome[]> {
    const failure = decisiveRecipient(recipients);
    if (!failure?.kind) return ['ignored'];
    const bounce: Bounce = {
      kind: failure.kind,
      smtpCode: failure.smtpCode ?? undefined,
      status: failure.status ?? undefined,
      diagnostic: failure.diagnostic ?? undefined,
      source: 'dsn',
    };
    const outcomes: BounceOutcome[] = [];
    for (const id of deliveryIds) outcomes.push(await this.bounces.recordBounce(id, bounce));
    return outcomes;
  }

  private async applyFeedback(report: { feedbackType: string; complaint: boolean }, deliveryIds: string[]): Promise<BounceOutcome[]> {
    if (!report.complaint) return ['ignored'];
    const outcomes: BounceOutcome[] = [];
    for (const id of deliveryIds) outcomes.push(await this.bounces.recordComplaint(id, { feedbackType: report.feedbackType, source: 'arf' }));
    return outcomes;
  }
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.name : 'unknown';
}
