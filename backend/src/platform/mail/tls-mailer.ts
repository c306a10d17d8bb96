import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger } from '@nestjs/common';
import nodemailer from 'nodemailer';
import { APP_CONFIG, type AppConfig, type TransportRoute } from '../../config/index.js';

export interface OutgoingMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

export type SendOutcome =
  | { status: 'sent'; response: string; route: string }
  | { status: 'dropped_no_tls'; reason: string; route: string }
  | { status: 'failed'; reason: string; route: string }
  | { status: 'no_route'; reason: string };

/**
 * The smallest TLS-exclusive sender: STARTTLS is required (TLS 1.2 or newer), and a server that
 * cannot do it gets nothing. Routes come from SMTP_TRANSPORT_MAP. The delivery tier (MX routing,
 * MTA-STS, evidence per message, DKIM, pooling) builds on the same rules.
 */
@Injectable()
export class TlsMailer {
  private readonly logger = new Logger(TlsMailer.name);
  private readonly ca?: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    if (config.SMTP_CA_FILE) this.ca = readFileSync(config.SMTP_CA_FILE, 'utf8');
  }

  route(domain: string): TransportRoute | undefined {
    const d = domain.toLowerCase();
    return this.config.SMTP_TRANSPORT_MAP.find((r) => r.domain === d) ?? this.config.SMTP_TRANSPORT_MAP.find((r) => r.domain === '*');
  }

  async send(mail: OutgoingMail): Promise<SendOutcome> {
    const domain = mail.to.split('@')[1] ?? '';
    const route = this.route(domain);
    if (!route) return { status: 'no_route', reason: 'no transport route for the recipient domain (direct-to-MX delivery comes with the delivery tier)' };
    const routeName = `${route.host}:${route.port}`;
    const transport = nodemailer.createTransport({
      host: route.host,
      port: route.port,
      secure: route.port === 465,
      requireTLS: true,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
      tls: { minVersion: 'TLSv1.2', ca: this.ca, servername: route.host === '127.0.0.1' || route.host === '::1' ? 'localhost' : route.host },
    });
    try {
      const info = await transport.sendMail({ ...mail });
      return { status: 'sent', response: info.response, route: routeName };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      const message = err instanceof Error ? err.message : 'send failed';
      // No message content goes to a server that refused or failed TLS: nodemailer stops before MAIL FROM.
      if (code === 'ETLS' || /STARTTLS|TLS|certificate|SSL/i.test(message))
        return { status: 'dropped_no_tls', reason: code || 'TLS not available', route: routeName };
      this.logger.warn({ route: routeName, code }, 'send failed');
      return { status: 'failed', reason: code || 'send failed', route: routeName };
    } finally {
      transport.close();
    }
  }
}
