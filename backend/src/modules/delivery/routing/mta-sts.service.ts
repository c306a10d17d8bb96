import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as mtaSts from 'mailauth/lib/mta-sts.js';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../../config/index.js';
import type { MtaStsMode } from '../delivery.types.js';
import { DnsLookup } from './dns-lookup.js';
import { TrustStore } from './trust-store.js';

export interface MtaStsPolicy {
  domain: string;
  id: string | null;
  mode: MtaStsMode;
  mx: string[];
  maxAge: number;
  expiresAt: Date;
}

const NO_POLICY_TTL_SECONDS = 3600;
const MAX_POLICY_BYTES = 64 * 1024;

/**
 * MTA-STS (RFC 8461): the policy a recipient domain publishes, cached for its max_age in Postgres
 * (shared by all workers) and in memory. mailauth resolves the `_mta-sts` TXT record, parses the
 * policy and matches MX names; the HTTPS fetch is ours so it can trust the same CA bundle as SMTP.
 */
@Injectable()
export class MtaStsService {
  private readonly logger = new Logger(MtaStsService.name);
  private readonly memo = new Map<string, MtaStsPolicy>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly dns: DnsLookup,
    private readonly trust: TrustStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Does this MX host name satisfy the policy? ("none" always does.) */
  static matches(mx: string, policy: MtaStsPolicy): boolean {
    if (policy.mode === 'none') return true;
    return mtaSts.validateMx(mx, { id: policy.id ?? '', mode: policy.mode, mx: policy.mx, maxAge: policy.maxAge }).valid;
  }

  async policyFor(domain: string, now = new Date()): Promise<MtaStsPolicy> {
    const cached = this.memo.get(domain);
    if (cached && cached.expiresAt > now) return cached;
    const [row] = await this.db.query<[{ policy_id: string | null; mode: MtaStsMode; mx: string[]; max_age: number; expires_at: Date }?]>(
      `SELECT policy_id, mode, mx, max_age, expires_at FROM mta_sts_policies WHERE domain = $1`,
      [domain],
    );
    if (row && row.expires_at > now)
      return this.remember({ domain, id: row.policy_id, mode: row.mode, mx: row.mx, maxAge: row.max_age, expiresAt: row.expires_at });
    const fresh = await this.fetch(domain, now);
    // A fetch failure keeps a known, unexpired-by-design policy (RFC 8461 §5.1): a downgrade attacker cannot erase it.
    const policy =
      fresh ??
      (row
        ? { domain, id: row.policy_id, mode: row.mode, mx: row.mx, maxAge: row.max_age, expiresAt: new Date(now.getTime() + NO_POLICY_TTL_SECONDS * 1000) }
        : null);
    const stored = policy ?? {
      domain,
      id: null,
      mode: 'none' as const,
      mx: [],
      maxAge: NO_POLICY_TTL_SECONDS,
      expiresAt: new Date(now.getTime() + NO_POLICY_TTL_SECONDS * 1000),
    };
    await this.db.query(
      `INSERT INTO mta_sts_policies (domain, policy_id, mode, mx, max_age, fetched_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (domain) DO UPDATE SET policy_id = $2, mode = $3, mx = $4, max_age = $5, fetched_at = $6, expires_at = $7`,
      [domain, stored.id, stored.mode, stored.mx, stored.maxAge, now, stored.expiresAt],
    );
    return this.remember(stored);
  }

  private remember(policy: MtaStsPolicy): MtaStsPolicy {
    if (this.memo.size > 10_000) this.memo.clear();
    this.memo.set(policy.domain, policy);
    return policy;
  }

  private async fetch(domain: string, now: Date): Promise<MtaStsPolicy | null> {
    let id: string | false;
    try {
      id = await mtaSts.resolvePolicy(domain, { resolver: this.dns.resolve });
    } catch (err) {
      this.logger.warn({ domain, code: (err as { code?: string }).code }, 'MTA-STS TXT lookup failed');
      return null;
    }
    if (!id) return null;
    try {
      const body = await this.download(domain);
      const parsed = mtaSts.parsePolicy(body);
      const mode = (['enforce', 'testing', 'none'] as const).find((m) => m === parsed.mode) ?? 'none';
      const maxAge = Math.min(Math.max(Number(parsed.maxAge) || 0, 60), 31_557_600);
      return { domain, id, mode, mx: parsed.mx ?? [], maxAge, expiresAt: new Date(now.getTime() + maxAge * 1000) };
    } catch (err) {
      this.logger.warn({ domain, code: (err as { code?: string }).code, reason: (err as Error).message.slice(0, 120) }, 'MTA-STS policy fetch failed');
      return null;
    }
  }

  /** GET https://mta-sts.<domain>/.well-known/mta-sts.txt with a verified certificate, resolved through our DNS. */
  private async download(domain: string): Promise<string> {
    const host = `mta-sts.${domain}`;
    const [address] = await this.dns.addresses(host);
    if (!address) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
    return new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: address,
          port: this.config.MTA_STS_HTTPS_PORT,
          path: '/.well-known/mta-sts.txt',
          method: 'GET',
          servername: host,
          headers: { host },
          ca: this.trust.ca ?? [...rootCertificates],
          rejectUnauthorized: true,
          timeout: 15_000,
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(Object.assign(new Error(`HTTP ${String(res.statusCode)}`), { code: `http_status_${String(res.statusCode)}` }));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_POLICY_BYTES) req.destroy(Object.assign(new Error('policy too large'), { code: 'policy_too_large' }));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            resolve(Buffer.concat(chunks).toString('utf8'));
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end();
    });
  }
}
