import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import type { MtaStsMode } from './delivery.types.js';
import { Router } from './routing/router.js';
import type { DomainResult, TlsFailure } from './smtp/domain-sender.js';
import { SmtpSession } from './smtp/smtp-session.js';
import { TrustStore } from './routing/trust-store.js';

export type DomainTlsStatus = 'tls_ok' | 'no_tls' | 'tls_failed' | 'unreachable' | 'unknown';

export interface DomainTlsView {
  /** The domain itself: list rows carry an id like every other resource. */
  id: string;
  domain: string;
  status: DomainTlsStatus;
  reason: string | null;
  mxHost: string | null;
  mxIp: string | null;
  tlsVersion: string | null;
  cipher: string | null;
  certVerified: boolean | null;
  mtaStsMode: string | null;
  probedAt: string;
  nextProbeAt: string;
}

interface DomainRow {
  domain: string;
  status: DomainTlsStatus;
  reason: string | null;
  mx_host: string | null;
  mx_ip: string | null;
  tls_version: string | null;
  cipher: string | null;
  cert_verified: boolean | null;
  mta_sts_mode: string | null;
  probed_at: Date;
  next_probe_at: Date;
}

const RETRY_FAILED_HOURS = 6;

/**
 * Domain TLS monitoring: what each recipient domain's mail servers can do, learned from real sends and
 * from probes (EHLO + STARTTLS handshake, no message), refreshed on a schedule. A domain known to have no
 * usable TLS is dropped before connecting until its next probe; the report shows reachability by domain.
 */
@Injectable()
export class DomainTlsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly router: Router,
    private readonly trust: TrustStore,
  ) {}

  /** The reason a domain is known to have no usable TLS (and its last probe is still fresh), or null. */
  async knownNoTls(domain: string): Promise<string | null> {
    const [row] = await this.db.query<[{ status: DomainTlsStatus; reason: string | null }?]>(
      `SELECT status, reason FROM domain_tls WHERE domain = $1 AND status IN ('no_tls', 'tls_failed') AND next_probe_at > now()`,
      [domain],
    );
    return row ? (row.reason ?? row.status) : null;
  }

  /** Records what a send taught about a domain. */
  async learn(domain: string, mtaStsMode: MtaStsMode, status: DomainResult['domainStatus']): Promise<void> {
    const hours = status.status === 'tls_ok' ? this.config.DOMAIN_PROBE_HOURS : RETRY_FAILED_HOURS;
    await this.db.query(
      `INSERT INTO domain_tls (domain, status, reason, mx_host, mx_ip, tls_version, cipher, cert_verified, mta_sts_mode, probed_at, next_probe_at, consecutive_failures)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), now() + make_interval(hours => $10), CASE WHEN $2 = 'tls_ok' THEN 0 ELSE 1 END)
       ON CONFLICT (domain) DO UPDATE SET status = $2, reason = $3, mx_host = $4, mx_ip = $5, tls_version = $6, cipher = $7, cert_verified = $8, mta_sts_mode = $9,
         probed_at = now(), next_probe_at = now() + make_interval(hours => $10),
         consecutive_failures = CASE WHEN $2 = 'tls_ok' THEN 0 ELSE domain_tls.consecutive_failures + 1 END`,
      [
        domain,
        status.status,
        status.reason ?? null,
        status.target?.host ?? null,
        status.facts?.peerIp ?? status.target?.address ?? null,
        status.facts?.tlsVersion ?? null,
        status.facts?.cipher ?? null,
        status.facts?.certVerified ?? null,
        mtaStsMode,
        hours,
      ],
    );
  }

  /** Probes a domain now: route, connect, EHLO, STARTTLS, judge, QUIT. No envelope, no message. */
  async probe(domain: string): Promise<DomainTlsView> {
    const route = await this.router.route(domain);
    let status: DomainResult['domainStatus'] = { status: 'unreachable', reason: route.problem ?? 'no_route' };
    for (const target of route.targets) {
      const opened = await SmtpSession.open(target, {
        heloName: this.config.SMTP_HELO_NAME,
        timeoutMs: this.config.SMTP_TIMEOUT_SECONDS * 1000,
        secureContext: this.trust.secureContext,
      });
      if (opened.ok) {
        opened.session.close();
        status = { status: 'tls_ok', target, facts: opened.session.facts };
        break;
      }
      if (opened.kind === 'no_tls')
        status = { status: opened.reason === 'starttls_not_offered' ? 'no_tls' : 'tls_failed', reason: opened.reason, target, facts: opened.facts };
      else if (status.status === 'unreachable') status = { status: 'unreachable', reason: opened.code, target };
    }
    await this.learn(domain, route.mtaStsMode, status);
    return (await this.get(domain)) as DomainTlsView;
  }

  /** Domains whose refresh is due (for the scheduler). */
  async dueForProbe(limit = 100): Promise<string[]> {
    const rows = await this.db.query<{ domain: string }[]>(`SELECT domain FROM domain_tls WHERE next_probe_at <= now() ORDER BY next_probe_at LIMIT $1`, [
      limit,
    ]);
    return rows.map((r) => r.domain);
  }

  async get(domain: string): Promise<DomainTlsView | null> {
    const [row] = await this.db.query<[DomainRow?]>(`SELECT * FROM domain_tls WHERE domain = $1`, [domain.toLowerCase()]);
    return row ? view(row) : null;
  }

  async list(page: { offset: number; limit: number }, status?: string): Promise<{ data: DomainTlsView[]; total: number }> {
    const [{ total }] = await this.db.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM domain_tls WHERE ($1::text IS NULL OR status = $1)`, [
      status ?? null,
    ]);
    const rows = await this.db.query<DomainRow[]>(`SELECT * FROM domain_tls WHERE ($1::text IS NULL OR status = $1) ORDER BY domain OFFSET $2 LIMIT $3`, [
      status ?? null,
      page.offset,
      page.limit,
    ]);
    return { data: rows.map(view), total };
  }

  /** Share of a set of recipient domains (with multiplicity) reachable over TLS, by status. */
  async reachability(
    domains: readonly string[],
  ): Promise<{ total: number; byStatus: Record<DomainTlsStatus, number>; tlsShare: number; unknownDomains: string[] }> {
    const distinct = [...new Set(domains)];
    const rows = await this.db.query<{ domain: string; status: DomainTlsStatus }[]>(`SELECT domain, status FROM domain_tls WHERE domain = ANY($1::text[])`, [
      distinct,
    ]);
    const statusOf = new Map(rows.map((r) => [r.domain, r.status]));
    const byStatus: Record<DomainTlsStatus, number> = { tls_ok: 0, no_tls: 0, tls_failed: 0, unreachable: 0, unknown: 0 };
    for (const d of domains) byStatus[statusOf.get(d) ?? 'unknown'] += 1;
    return {
      total: domains.length,
      byStatus,
      tlsShare: domains.length ? byStatus.tls_ok / domains.length : 0,
      unknownDomains: distinct.filter((d) => !statusOf.has(d)),
    };
  }

  /** Known status of each domain (absent: never seen). */
  async statuses(domains: readonly string[]): Promise<Map<string, DomainTlsStatus>> {
    const rows = await this.db.query<{ domain: string; status: DomainTlsStatus }[]>(`SELECT domain, status FROM domain_tls WHERE domain = ANY($1::text[])`, [
      domains,
    ]);
    return new Map(rows.map((r) => [r.domain, r.status]));
  }

  async recordTlsFailures(policyDomain: string, policyType: 'sts' | 'no-policy-found', failures: readonly TlsFailure[]): Promise<void> {
    if (failures.length === 0) return;
    await this.db.query(
      `INSERT INTO tls_failures (policy_domain, policy_type, result_type, receiving_mx_hostname, receiving_ip, failure_reason_code)
       SELECT $1, $2, r, h, i, c FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS x(r, h, i, c)`,
      [
        policyDomain,
        policyType,
        failures.map((f) => f.resultType),
        failures.map((f) => f.mxHost),
        failures.map((f) => f.ip ?? null),
        failures.map((f) => f.reasonCode),
      ],
    );
  }

  /**
   * TLS failures of a period in the RFC 8460 (TLSRPT) report shape, one policy entry per recipient domain.
   * Successful sessions are counted from the deliveries sent in the same period.
   */
  async tlsReport(from: Date, to: Date): Promise<Record<string, unknown>> {
    const failures = await this.db.query<
      {
        policy_domain: string;
        policy_type: string;
        result_type: string;
        receiving_mx_hostname: string | null;
        receiving_ip: string | null;
        failure_reason_code: string | null;
        n: number;
      }[]
    >(
      `SELECT policy_domain, policy_type, result_type, receiving_mx_hostname, receiving_ip, failure_reason_code, count(*)::int AS n
         FROM tls_failures WHERE occurred_at >= $1 AND occurred_at < $2
        GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1`,
      [from, to],
    );
    const successes = await this.db.query<{ domain: string; n: number }[]>(
      `SELECT recipient_domain AS domain, count(*)::int AS n FROM deliveries WHERE status IN ('sent', 'bounced') AND sent_at >= $1 AND sent_at < $2 AND evidence ? 'tlsVersion' GROUP BY 1`,
      [from, to],
    );
    const domains = new Set([...failures.map((f) => f.policy_domain), ...successes.map((s) => s.domain)]);
    const sent = new Map(successes.map((s) => [s.domain, s.n]));
    return {
      'organization-name': this.config.ORGANIZATION_NAME,
      'date-range': { 'start-datetime': from.toISOString(), 'end-datetime': to.toISOString() },
      'contact-info': this.config.MAIL_FROM,
      'report-id': `${from.toISOString()}_${this.config.SMTP_HELO_NAME}`,
      policies: [...domains].sort().map((domain) => {
        const mine = failures.filter((f) => f.policy_domain === domain);
        return {
          policy: { 'policy-type': mine[0]?.policy_type ?? 'no-policy-found', 'policy-domain': domain },
          summary: { 'total-successful-session-count': sent.get(domain) ?? 0, 'total-failure-session-count': mine.reduce((n, f) => n + f.n, 0) },
          'failure-details': mine.map((f) => ({
            'result-type': f.result_type,
            'receiving-mx-hostname': f.receiving_mx_hostname,
            'receiving-ip': f.receiving_ip,
            'failed-session-count': f.n,
            'failure-reason-code': f.failure_reason_code,
          })),
        };
      }),
    };
  }
}

function view(r: DomainRow): DomainTlsView {
  return {
    id: r.domain,
    domain: r.domain,
    status: r.status,
    reason: r.reason,
    mxHost: r.mx_host,
    mxIp: r.mx_ip,
    tlsVersion: r.tls_version,
    cipher: r.cipher,
    certVerified: r.cert_verified,
    mtaStsMode: r.mta_sts_mode,
    probedAt: r.probed_at.toISOString(),
    nextProbeAt: r.next_probe_at.toISOString(),
  };
}
