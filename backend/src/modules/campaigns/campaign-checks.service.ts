import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import type { FieldProblem } from '../../platform/errors/index.js';
import { ConsentService } from '../consent/index.js';
import { ContactsService } from '../contacts/index.js';
import { DomainTlsService, SendingDomainsService } from '../delivery/index.js';
import { lintTemplate, type TemplateWarning, TemplatesService } from '../templates/index.js';
import { CampaignAudience } from './campaign-audience.service.js';
import { type CampaignRow, CampaignRepository } from './campaign.repository.js';
import { CampaignsService } from './campaigns.service.js';

const BATCH = 1000;

export interface Exclusion {
  reason:
    'no_consent' | 'consent_pending' | 'consent_revoked' | 'authorization_missing' | 'suppressed' | 'contact_inactive' | 'frequency_cap' | 'no_tls_domain';
  count: number;
}

export interface PreSendChecks {
  campaignId: string;
  /** True when nothing blocks submission (exclusions and warnings do not block). */
  ready: boolean;
  problems: FieldProblem[];
  audience: {
    /** Contacts in the included segments. */
    included: number;
    /** Of those, removed by the excluded segments. */
    excludedBySegments: number;
    /** The campaign's audience: included minus excluded (frozen once sending starts). */
    total: number;
    /** Expected to receive it: the audience minus every exclusion below. */
    eligible: number;
    frozen: boolean;
  };
  exclusions: Exclusion[];
  domains: {
    recipients: number;
    byStatus: Record<string, number>;
    /** Recipient domains known to lack usable TLS: their messages will be dropped, never sent in plaintext. */
    noTls: { domain: string; status: string; reason: string | null; recipients: number }[];
    /** Domains never probed or sent to: their TLS is learnt on the first attempt. */
    unknown: number;
  };
  template: { warnings: (TemplateWarning & { variant: 'a' | 'b' })[] };
  sendingDomain: { domain: string; dkim: 'configured' | 'missing'; selector: string | null };
  frequencyCapPerWeek: number;
}

const CONSENT_REASONS = new Set<Exclusion['reason']>(['no_consent', 'consent_pending', 'consent_revoked', 'authorization_missing', 'suppressed']);

/**
 * What a reviewer sees before approving: how many the segments select, who will not receive it and why (no consent
 * for the topic, suppressed, over the frequency cap, a recipient domain known to lack TLS), template lint warnings and
 * the sending domain's DKIM key. Recipient domains come from decrypting addresses in batches; only counts and
 * domain names leave this service.
 */
@Injectable()
export class CampaignChecks {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: CampaignRepository,
    private readonly campaigns: CampaignsService,
    private readonly audience: CampaignAudience,
    private readonly consent: ConsentService,
    private readonly contacts: ContactsService,
    private readonly domains: DomainTlsService,
    private readonly sendingDomains: SendingDomainsService,
    private readonly templates: TemplatesService,
  ) {}

  async run(id: string): Promise<PreSendChecks> {
    await this.campaigns.get(id);
    const c = (await this.repo.find(id)) as CampaignRow;
    const frozen = c.snapshot_at !== null;
    const counts = frozen
      ? { included: c.audience_count ?? 0, excludedBySegments: 0, audience: c.audience_count ?? 0 }
      : await this.audience.count(c.include_segment_ids, c.exclude_segment_ids);
    const ids = frozen ? await this.repo.audienceIds(id) : await this.audience.members(c.include_segment_ids, c.exclude_segment_ids);

    const excluded = new Map<Exclusion['reason'], number>();
    const add = (reason: Exclusion['reason'], n = 1) => excluded.set(reason, (excluded.get(reason) ?? 0) + n);
    const recipientDomains: string[] = [];
    const perDomain = new Map<string, number>();
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      const verdicts = await this.consent.mayReceiveMany(batch, c.topic_id);
      const allowed: string[] = [];
      for (const contactId of batch) {
        const v = verdicts.get(contactId);
        if (v?.allowed) allowed.push(contactId);
        else if (v && CONSENT_REASONS.has(v.reason as Exclusion['reason'])) add(v.reason as Exclusion['reason']);
        else if (v?.reason === 'topic_missing' || v?.reason === 'topic_archived') add('no_consent');
        else add('contact_inactive');
      }
      const capped = await this.overFrequencyCap(allowed);
      add('frequency_cap', capped.size);
      const records = await this.contacts.phiForProcessingMany(allowed.filter((contactId) => !capped.has(contactId)));
      for (const record of records.values()) {
        const domain = record.phi.email.slice(record.phi.email.lastIndexOf('@') + 1).toLowerCase();
        recipientDomains.push(domain);
        perDomain.set(domain, (perDomain.get(domain) ?? 0) + 1);
      }
    }
    const reach = await this.domains.reachability(recipientDomains);
    const noTls = await this.noTlsDomains(perDomain);
    add(
      'no_tls_domain',
      noTls.reduce((n, d) => n + d.recipients, 0),
    );
    const exclusions = [...excluded].filter(([, n]) => n > 0).map(([reason, count]) => ({ reason, count }));
    const problems = await this.campaigns.readiness(c);
    if (ids.length === 0 && c.include_segment_ids.length) problems.push({ field: 'includeSegmentIds', message: 'the audience is empty' });

    return {
      campaignId: id,
      ready: problems.length === 0,
      problems,
      audience: {
        included: counts.included,
        excludedBySegments: counts.excludedBySegments,
        total: ids.length,
        eligible: ids.length - exclusions.reduce((n, e) => n + e.count, 0),
        frozen,
      },
      exclusions,
      domains: { recipients: reach.total, byStatus: reach.byStatus, noTls, unknown: reach.unknownDomains.length },
      template: { warnings: await this.lint(c) },
      sendingDomain: await this.dkim(c),
      frequencyCapPerWeek: this.config.FREQUENCY_CAP_PER_WEEK,
    };
  }

  /** Contacts already at the weekly cap of marketing messages, as the pipeline counts it at send time. */
  private async overFrequencyCap(contactIds: string[]): Promise<Set<string>> {
    const cap = this.config.FREQUENCY_CAP_PER_WEEK;
    if (cap === 0 || contactIds.length === 0) return new Set();
    // The delivery service has no read for this; the same count the pipeline makes, read-only.
    const rows = await this.db.query<{ id: string }[]>(
      `SELECT contact_id::text AS id FROM deliveries
        WHERE contact_id = ANY($1::bigint[]) AND category = 'marketing' AND purpose <> 'test' AND status = 'sent' AND sent_at > now() - interval '7 days'
        GROUP BY contact_id HAVING count(*) >= $2`,
      [contactIds, cap],
    );
    return new Set(rows.map((r) => r.id));
  }

  private async noTlsDomains(perDomain: Map<string, number>): Promise<PreSendChecks['domains']['noTls']> {
    const out: PreSendChecks['domains']['noTls'] = [];
    for (const status of ['no_tls', 'tls_failed']) {
      for (let offset = 0; ; offset += 500) {
        const page = await this.domains.list({ offset, limit: 500 }, status);
        for (const d of page.data) {
          const recipients = perDomain.get(d.domain);
          if (recipients) out.push({ domain: d.domain, status: d.status, reason: d.reason, recipients });
        }
        if (offset + 500 >= page.total) break;
      }
    }
    return out.sort((a, b) => b.recipients - a.recipients);
  }

  private async lint(c: CampaignRow): Promise<PreSendChecks['template']['warnings']> {
    if (!c.template_version_id) return [];
    const version = await this.versionView(c.template_version_id);
    if (!version) return [];
    const warnings: PreSendChecks['template']['warnings'] = version.warnings.map((w) => ({ ...w, variant: 'a' as const }));
    const ab = c.ab_test;
    if (ab?.kind === 'subject' && ab.subjectB) {
      warnings.push(...lintTemplate({ ...version, subject: ab.subjectB }).map((w) => ({ ...w, variant: 'b' as const })));
    }
    if (ab?.kind === 'template' && ab.templateVersionIdB) {
      const b = await this.versionView(ab.templateVersionIdB);
      warnings.push(...(b?.warnings ?? []).map((w) => ({ ...w, variant: 'b' as const })));
    }
    return warnings;
  }

  private async versionView(versionId: number) {
    const published = await this.templates.publishedVersion(versionId).catch(() => null);
    if (!published) return null;
    const template = await this.templates.get(published.templateId);
    const number = template.versions.find((v) => v.id === versionId)?.version;
    return number === undefined ? null : this.templates.getVersion(template.id, number);
  }

  private async dkim(c: CampaignRow): Promise<PreSendChecks['sendingDomain']> {
    const configured = (/<([^>]+)>/.exec(this.config.MAIL_FROM)?.[1] ?? this.config.MAIL_FROM).trim();
    const domain = c.sending_domain ?? configured.slice(configured.lastIndexOf('@') + 1).toLowerCase();
    const found = (await this.sendingDomains.list()).find((d) => d.domain === domain);
    return { domain, dkim: found ? 'configured' : 'missing', selector: found?.selector ?? null };
  }
}
