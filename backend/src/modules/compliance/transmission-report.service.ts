import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { columnsOf, type ReportDocument } from '../../platform/reports/report-document.js';
import { type ComplianceReport, periodOf, type ReportResult } from './compliance-report.js';
import { PeriodQueryDto } from './dto/report-query.dto.js';

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
export class TransmissionReportService implements ComplianceReport<PeriodQueryDto> {
  readonly id = 'transmission-security';
  readonly query = PeriodQueryDto;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The period's figures. */
  async figures(from: Date, to: Date): Promise<TransmissionReport> {
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

  /** The report for a download: the period's figures as a ReportDocument. */
  async build(query: PeriodQueryDto): Promise<ReportResult> {
    const { from, to } = periodOf(query);
    return { document: this.document(await this.figures(from, to)) };
  }

  document(r: TransmissionReport): ReportDocument {
    const sent = r.byTls.reduce((n, x) => n + x.messages, 0) + r.sentWithoutTls;
    return {
      id: this.id,
      title: 'Transmission security report',
      generatedAt: new Date().toISOString(),
      parameters: { from: r.from, to: r.to },
      summary: [
        { label: 'Messages sent', value: sent },
        { label: 'Messages sent without TLS', value: r.sentWithoutTls },
        { label: 'Messages dropped for lack of acceptable TLS', value: r.droppedNoTls.reduce((n, x) => n + x.messages, 0) },
        { label: 'Certificates verified', value: r.certificateVerified.verified },
        { label: 'Certificates not verified', value: r.certificateVerified.unverified },
      ],
      sections: [
        {
          title: 'Messages sent, by TLS version and cipher',
          columns: columnsOf({ tlsVersion: 'TLS version', cipher: 'Cipher', messages: 'Messages' }),
          rows: r.byTls,
        },
        {
          title: 'Messages dropped for lack of acceptable TLS, by domain and reason',
          columns: columnsOf({ domain: 'Recipient domain', reason: 'Reason', messages: 'Messages' }),
          rows: r.droppedNoTls,
        },
        {
          title: 'MTA-STS coverage of messages sent',
          columns: columnsOf({ mode: 'MTA-STS mode', messages: 'Messages' }),
          rows: r.mtaSts,
        },
      ],
    };
  }
}
