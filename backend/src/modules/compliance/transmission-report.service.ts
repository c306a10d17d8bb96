import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type PdfLine, renderPdf, toCsv } from '../../platform/reports/pdf.js';

export interface TransmissionReport {
  from: string;
  to: string;
  /** Messages that left, by negotiated TLS version and cipher. */
  byTls: { tlsVersion: string; cipher: string; messages: number }[];
  /** Messages handed to a server without TLS: the TLS-exclusive tier makes this 0; it is counted, not assumed. */
  sentWithoutTls: number;
  /** Messages dropped for lack of acceptable TLS, by recipient domain and reason. */
  droppedNoTls: { domain: string; reason: string; messages: number }[];
  /** Messages that left, by the recipient domain's MTA-STS mode (coverage). */
  mtaSts: { mode: string; messages: number }[];
  certificateVerified: { verified: number; unverified: number };
}

/** Transmission security for auditors: how every message of a period left, or why it did not. */
@Injectable()
export class TransmissionReportService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async build(from: Date, to: Date): Promise<TransmissionReport> {
    const left = `status IN ('sent', 'bounced') AND sent_at >= $1 AND sent_at < $2`;
    const [byTls, without, dropped, mtaSts, certs] = await Promise.all([
      this.db.query<{ tls_version: string; cipher: string; n: number }[]>(
        `SELECT evidence->>'tlsVersion' AS tls_version, evidence->>'cipher' AS cipher, count(*)::int AS n
           FROM deliveries WHERE ${left} AND evidence ? 'tlsVersion' GROUP BY 1, 2 ORDER BY 3 DESC`,
        [from, to],
      ),
      this.db.query<[{ n: number }]>(`SELECT count(*)::int AS n FROM deliveries WHERE ${left} AND NOT (coalesce(evidence, '{}') ? 'tlsVersion')`, [from, to]),
      this.db.query<{ domain: string; reason: string | null; n: number }[]>(
        `SELECT recipient_domain AS domain, reason, count(*)::int AS n FROM deliveries
          WHERE status = 'dropped_no_tls' AND updated_at >= $1 AND updated_at < $2 GROUP BY 1, 2 ORDER BY 3 DESC, 1`,
        [from, to],
      ),
      this.db.query<{ mode: string | null; n: number }[]>(
        `SELECT evidence->>'mtaStsMode' AS mode, count(*)::int AS n FROM deliveries WHERE ${left} GROUP BY 1 ORDER BY 2 DESC`,
        [from, to],
      ),
      this.db.query<[{ verified: number; unverified: number }]>(
        `SELECT count(*) FILTER (WHERE (evidence->>'certVerified')::boolean)::int AS verified,
                count(*) FILTER (WHERE NOT (evidence->>'certVerified')::boolean)::int AS unverified
           FROM deliveries WHERE ${left}`,
        [from, to],
      ),
    ]);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      byTls: byTls.map((r) => ({ tlsVersion: r.tls_version, cipher: r.cipher, messages: r.n })),
      sentWithoutTls: without[0].n,
      droppedNoTls: dropped.map((r) => ({ domain: r.domain, reason: r.reason ?? 'unknown', messages: r.n })),
      mtaSts: mtaSts.map((r) => ({ mode: r.mode ?? 'none', messages: r.n })),
      certificateVerified: certs[0],
    };
  }

  csv(r: TransmissionReport): string {
    const rows: (string | number)[][] = [
      ...r.byTls.map((x) => ['sent_by_tls', x.tlsVersion, x.cipher, x.messages]),
      ['sent_without_tls', '', '', r.sentWithoutTls],
      ...r.droppedNoTls.map((x) => ['dropped_no_tls', x.domain, x.reason, x.messages]),
      ...r.mtaSts.map((x) => ['mta_sts_mode', x.mode, '', x.messages]),
      ['certificate', 'verified', '', r.certificateVerified.verified],
      ['certificate', 'unverified', '', r.certificateVerified.unverified],
    ];
    return toCsv(['section', 'key', 'detail', 'messages'], rows);
  }

  pdf(r: TransmissionReport): Buffer {
    const lines: PdfLine[] = [
      { text: `Period: ${r.from} to ${r.to}` },
      { text: '' },
      { text: 'Messages sent, by TLS version and cipher', size: 12 },
      ...r.byTls.map((x) => ({ text: `${x.tlsVersion.padEnd(8)} ${x.cipher.padEnd(40)} ${String(x.messages).padStart(9)}`, mono: true })),
      { text: `Messages sent without TLS: ${String(r.sentWithoutTls)}` },
      { text: '' },
      { text: 'Messages dropped for lack of acceptable TLS, by domain and reason', size: 12 },
      ...(r.droppedNoTls.length
        ? r.droppedNoTls.map((x) => ({ text: `${x.domain.padEnd(36)} ${x.reason.padEnd(24)} ${String(x.messages).padStart(7)}`, mono: true }))
        : [{ text: 'none' }]),
      { text: '' },
      { text: 'MTA-STS coverage of messages sent', size: 12 },
      ...r.mtaSts.map((x) => ({ text: `${x.mode.padEnd(10)} ${String(x.messages).padStart(9)}`, mono: true })),
      { text: '' },
      { text: `Certificates verified: ${String(r.certificateVerified.verified)}, not verified: ${String(r.certificateVerified.unverified)}` },
    ];
    return renderPdf('Transmission security report', lines);
  }
}
