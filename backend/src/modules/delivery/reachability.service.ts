import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { JobName, QueueName } from '../../platform/queue/index.js';
import { ContactsService } from '../contacts/index.js';
import { SavedSegmentsService, SegmentsService } from '../segments/index.js';
import { DomainTlsService, type DomainTlsStatus } from './domain-tls.service.js';

export interface Reachability {
  contacts: number;
  byStatus: Record<DomainTlsStatus, number>;
  /** Share of the audience whose domain is known to take mail over acceptable TLS (0..1). */
  tlsShare: number;
  domains: { domain: string; contacts: number; status: DomainTlsStatus }[];
  /** Unknown domains queued for a probe now; run the report again later for their result. */
  probesQueued: number;
}

const BATCH = 1000;
const MAX_PROBES = 500;

/**
 * How much of an audience (a saved segment, or every active contact) can be reached over TLS, by
 * recipient domain. Addresses are decrypted in batches only to take their domain; nothing else is kept.
 */
@Injectable()
export class ReachabilityService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly contacts: ContactsService,
    private readonly domains: DomainTlsService,
    private readonly moduleRef: ModuleRef,
    @InjectQueue(QueueName.Delivery) private readonly queue: Queue,
  ) {}

  async forAudience(input: { segmentId?: number }): Promise<Reachability> {
    const ids = input.segmentId === undefined ? await this.allActive() : await this.segmentMembers(input.segmentId);
    const recipientDomains: string[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const records = await this.contacts.phiForProcessingMany(ids.slice(i, i + BATCH));
      for (const record of records.values()) recipientDomains.push(record.phi.email.slice(record.phi.email.lastIndexOf('@') + 1).toLowerCase());
    }
    const summary = await this.domains.reachability(recipientDomains);
    const counts = new Map<string, number>();
    for (const d of recipientDomains) counts.set(d, (counts.get(d) ?? 0) + 1);
    const statuses = await this.domains.statuses([...counts.keys()]);
    const hour = new Date().toISOString().slice(0, 13);
    const toProbe = summary.unknownDomains.slice(0, MAX_PROBES);
    await this.queue.addBulk(
      toProbe.map((domain) => ({ name: JobName.DeliveryProbeDomain, data: { domain }, opts: { jobId: `probe:${domain}:${hour}`, attempts: 1 } })),
    );
    return {
      contacts: summary.total,
      byStatus: summary.byStatus,
      tlsShare: summary.tlsShare,
      domains: [...counts]
        .map(([domain, n]) => ({ domain, contacts: n, status: statuses.get(domain) ?? ('unknown' as const) }))
        .sort((a, b) => b.contacts - a.contacts || a.domain.localeCompare(b.domain)),
      probesQueued: toProbe.length,
    };
  }

  private async allActive(): Promise<string[]> {
    const rows = await this.db.query<{ id: string }[]>(`SELECT id::text AS id FROM contacts WHERE status = 'active' ORDER BY id`);
    return rows.map((r) => r.id);
  }

  private async segmentMembers(segmentId: number): Promise<string[]> {
    const saved = this.moduleRef.get(SavedSegmentsService, { strict: false });
    const segments = this.moduleRef.get(SegmentsService, { strict: false });
    const { rule } = await saved.get(segmentId);
    return (await segments.members(rule, new Date().toISOString().slice(0, 10))).ids;
  }
}
