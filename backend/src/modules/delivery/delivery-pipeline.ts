import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { BouncesService, ReturnPaths } from '../bounces/index.js';
import { ConsentService, PreferenceTokens } from '../consent/index.js';
import type { Eligibility } from '../consent/index.js';
import { ContactsService, type ProcessingRecord } from '../contacts/index.js';
import { CryptoService, OpaqueIdPurpose, OpaqueIds } from '../crypto/index.js';
import { type EngagementEvent, EngagementService } from '../engagement/index.js';
import { type PublishedVersion, SAMPLE_CONTEXT, TemplatesService } from '../templates/index.js';
import { LinkTracking } from '../tracking/index.js';
import type { DeliveryEvidence, DeliveryStatus, MessageOptions } from './delivery.types.js';
import { DomainTlsService } from './domain-tls.service.js';
import { buildMime, mailbox } from './message/mime.js';
import { Router } from './routing/router.js';
import { SendingDomainsService } from './sending-domains.service.js';
import { DomainSender, type Outcome, type OutgoingMessage } from './smtp/domain-sender.js';

interface ClaimedRow {
  id: string;
  contact_id: string | null;
  recipient_enc: Buffer | null;
  recipient_domain: string;
  template_version_id: number;
  topic_id: number | null;
  category: 'marketing' | 'transactional';
  purpose: string;
  campaign_id: string | null;
  journey_id: string | null;
  context_enc: Buffer | null;
  attempts: number;
  first_attempt_at: Date;
  message_options: MessageOptions | null;
}

interface Finished {
  id: string;
  status: DeliveryStatus;
  reason: string | null;
  detail: string | null;
  evidence: DeliveryEvidence | null;
  messageId?: string;
}

const ELIGIBILITY_STATUS: Record<Exclude<Eligibility, { allowed: true }>['reason'], DeliveryStatus> = {
  contact_missing: 'dropped_consent',
  contact_erased: 'dropped_consent',
  topic_missing: 'dropped_consent',
  topic_archived: 'dropped_consent',
  no_consent: 'dropped_consent',
  consent_pending: 'dropped_consent',
  consent_revoked: 'dropped_consent',
  suppressed: 'dropped_suppressed',
  authorization_missing: 'dropped_consent',
};

/**
 * One batch of deliveries, start to end: claim the rows, check consent, suppression and the frequency
 * cap again (the last word before mail leaves), render, build MIME, send per recipient domain over
 * TLS-only sessions, and record each outcome with its evidence and engagement event. One failing
 * recipient never blocks the others.
 */
@Injectable()
export class DeliveryPipeline {
  private readonly logger = new Logger(DeliveryPipeline.name);
  private readonly prepared = new Set<number>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crypto: CryptoService,
    private readonly ids: OpaqueIds,
    private readonly consent: ConsentService,
    private readonly preferenceTokens: PreferenceTokens,
    private readonly contacts: ContactsService,
    private readonly templates: TemplatesService,
    private readonly tracking: LinkTracking,
    private readonly returnPaths: ReturnPaths,
    private readonly bounces: BouncesService,
    private readonly engagement: EngagementService,
    private readonly router: Router,
    private readonly sender: DomainSender,
    private readonly domains: DomainTlsService,
    private readonly sendingDomains: SendingDomainsService,
  ) {}

  /** Processes the given deliveries; rows already taken, sent or not yet due are skipped. Returns the deliveries still to retry. */
  async process(deliveryIds: readonly string[]): Promise<{ processed: number; retry: { id: string; at: Date }[] }> {
    const rows = await this.claim(deliveryIds);
    if (rows.length === 0) return { processed: 0, retry: [] };
    const finished: Finished[] = [];
    const eligible = await this.checkEligibility(rows, finished);
    const records = await this.contacts.phiForProcessingMany(eligible.flatMap((r) => (r.contact_id ? [r.contact_id] : [])));
    const byDomain = new Map<string, OutgoingMessage[]>();
    const messageIds = new Map<string, string>();
    for (const row of eligible) {
      try {
        const message = await this.build(row, row.contact_id ? records.get(row.contact_id) : undefined);
        if (!message) {
          finished.push({ id: row.id, status: 'dropped_consent', reason: 'contact_erased', detail: null, evidence: null });
          continue;
        }
        messageIds.set(row.id, message.messageId);
        const domain = message.recipient.slice(message.recipient.lastIndexOf('@') + 1).toLowerCase();
        const list = byDomain.get(domain) ?? [];
        list.push(message);
        byDomain.set(domain, list);
      } catch (err) {
        // A template that cannot render for this contact fails this delivery only; the message is kept out of logs.
        finished.push({ id: row.id, status: 'failed', reason: 'render_failed', detail: (err as Error).message.slice(0, 200), evidence: null });
      }
    }
    // Outcomes are recorded every few messages, not at the end of the batch: a worker killed mid-batch
    // leaves at most that many accepted messages unrecorded (and so sent again on recovery).
    const recorder = new OutcomeRecorder((batch) => this.record(rows, batch));
    recorder.add(finished);
    await Promise.all(
      [...byDomain].map(([domain, messages]) =>
        this.sendDomain(domain, messages, (outcome) => {
          recorder.add([{ ...toFinished(outcome), messageId: messageIds.get(outcome.deliveryId) }]);
        }),
      ),
    );
    return { processed: rows.length, retry: await recorder.done() };
  }

  private async claim(ids: readonly string[]): Promise<ClaimedRow[]> {
    // UPDATE … RETURNING comes back as [rows, affected] from the driver.
    const [rows] = await this.db.query<[ClaimedRow[], number]>(
      `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now()), updated_at = now()
        WHERE id = ANY($1::bigint[]) AND status IN ('queued', 'deferred') AND next_attempt_at <= now() + interval '1 second'
        RETURNING id::text AS id, contact_id::text AS contact_id, recipient_enc, recipient_domain, template_version_id, topic_id, category, purpose,
                  campaign_id::text AS campaign_id, journey_id::text AS journey_id, context_enc, attempts, first_attempt_at, message_options`,
      [ids],
    );
    return rows;
  }

  /** Consent, topic, suppression and frequency cap, checked again right before sending. */
  private async checkEligibility(rows: ClaimedRow[], finished: Finished[]): Promise<ClaimedRow[]> {
    const eligible: ClaimedRow[] = [];
    const byTopic = new Map<number | null, ClaimedRow[]>();
    for (const row of rows) {
      if (!row.contact_id) {
        eligible.push(row); // a test send to a seed address: no consent record to check
        continue;
      }
      const list = byTopic.get(row.topic_id) ?? [];
      list.push(row);
      byTopic.set(row.topic_id, list);
    }
    const capped = await this.overFrequencyCap(rows);
    for (const [topicId, list] of byTopic) {
      const verdicts = await this.consent.mayReceiveMany(
        list.map((r) => r.contact_id as string),
        topicId,
      );
      for (const row of list) {
        const verdict = verdicts.get(row.contact_id as string) ?? { allowed: false, reason: 'contact_missing' as const };
        if (!verdict.allowed) finished.push({ id: row.id, status: ELIGIBILITY_STATUS[verdict.reason], reason: verdict.reason, detail: null, evidence: null });
        else if (capped.has(row.id))
          finished.push({
            id: row.id,
            status: 'dropped_frequency',
            reason: 'frequency_cap',
            detail: `more than ${String(this.config.FREQUENCY_CAP_PER_WEEK)} in 7 days`,
            evidence: null,
          });
        else eligible.push(row);
      }
    }
    return eligible;
  }

  /** Marketing deliveries whose contact already got FREQUENCY_CAP_PER_WEEK marketing messages in the last 7 days. */
  private async overFrequencyCap(rows: ClaimedRow[]): Promise<Set<string>> {
    const cap = this.config.FREQUENCY_CAP_PER_WEEK;
    const marketing = rows.filter((r) => r.contact_id && r.category === 'marketing' && r.purpose !== 'test');
    if (cap === 0 || marketing.length === 0) return new Set();
    const counts = await this.db.query<{ contact_id: string; n: number }[]>(
      `SELECT contact_id::text AS contact_id, count(*)::int AS n FROM deliveries
        WHERE contact_id = ANY($1::bigint[]) AND category = 'marketing' AND purpose <> 'test' AND status = 'sent' AND sent_at > now() - interval '7 days'
        GROUP BY contact_id`,
      [marketing.map((r) => r.contact_id)],
    );
    const sent = new Map(counts.map((c) => [c.contact_id, c.n]));
    const over = new Set<string>();
    for (const row of marketing) {
      const n = sent.get(row.contact_id as string) ?? 0;
      if (n >= cap) over.add(row.id);
      else sent.set(row.contact_id as string, n + 1);
    }
    return over;
  }

  private async build(row: ClaimedRow, record: ProcessingRecord | undefined): Promise<(OutgoingMessage & { messageId: string }) | null> {
    const recipient = row.contact_id
      ? record?.phi.email
      : row.recipient_enc
        ? await this.crypto.decryptText(row.recipient_enc, CryptoService.aad('deliveries', 'recipient_enc', row.id))
        : undefined;
    if (!recipient) return null;
    const version = await this.templates.publishedVersion(row.template_version_id);
    if (!this.prepared.has(version.id)) {
      await this.tracking.prepareVersion(version.id, version.compiledHtml);
      this.prepared.add(version.id);
    }
    const extra = row.context_enc
      ? (JSON.parse(await this.crypto.decryptText(row.context_enc, CryptoService.aad('deliveries', 'context_enc', row.id))) as Record<string, unknown>)
      : {};
    // A campaign's A/B subject and sender identity override the version's (the renderer caches by content, so this is safe).
    const options = row.message_options ?? {};
    const effective =
      options.subject || options.fromName
        ? { ...version, subject: options.subject || version.subject, fromName: options.fromName || version.fromName }
        : version;
    const rendered = this.templates.renderPublished(effective, this.context(row, record, extra));
    const html = this.tracking.instrument(rendered.html, row.id, version.id);
    const from = options.fromAddress
      ? { address: options.fromAddress, domain: options.fromAddress.slice(options.fromAddress.lastIndexOf('@') + 1).toLowerCase() }
      : this.fromAddress(version);
    const messageId = `<${this.ids.sign(OpaqueIdPurpose.Delivery, row.id)}@${from.domain}>`;
    const headers: Record<string, string> = {
      ...(row.category === 'marketing' ? this.tracking.unsubscribeHeaders(row.id) : {}),
      'Feedback-ID': `${row.campaign_id ?? row.journey_id ?? '0'}:${row.purpose}:hipaa-mail`,
      ...(options.replyTo ? { 'Reply-To': `<${options.replyTo}>` } : {}),
    };
    const raw = buildMime({
      from: mailbox(effective.fromName || this.config.ORGANIZATION_NAME, from.address),
      to: `<${recipient}>`,
      subject: rendered.subject,
      messageId,
      html,
      text: rendered.text,
      headers,
    });
    const signed = await this.sendingDomains.sign(from.domain, raw);
    return { deliveryId: row.id, envelopeFrom: this.returnPaths.forDelivery(row.id), recipient, raw: signed, messageId };
  }

  private context(row: ClaimedRow, record: ProcessingRecord | undefined, extra: Record<string, unknown>) {
    const contact = record
      ? { ...record.phi, ...record.attributes, ...(record.phi.attributes ?? {}), timeZone: record.timeZone ?? undefined, locale: record.language ?? undefined }
      : {};
    // A test send goes to a seed address, not a contact: it shows the built-in sample patient (and appointment), never empty fields.
    const sample = !row.contact_id && row.purpose === 'test' ? SAMPLE_CONTEXT : undefined;
    return {
      ...sample,
      ...extra,
      contact: sample?.contact ?? contact,
      unsubscribe_url: this.tracking.unsubscribeUrl(row.id),
      preferences_url: row.contact_id
        ? `${this.config.PUBLIC_URL}/p/${this.preferenceTokens.issue('preferences', row.contact_id)}`
        : this.tracking.unsubscribeUrl(row.id),
      organization_name: this.config.ORGANIZATION_NAME,
      organization_address: this.config.ORGANIZATION_ADDRESS,
    };
  }

  private fromAddress(_version: PublishedVersion): { address: string; domain: string } {
    const match = /<([^>]+)>/.exec(this.config.MAIL_FROM);
    const address = (match ? match[1] : this.config.MAIL_FROM).trim();
    return { address, domain: address.slice(address.lastIndexOf('@') + 1).toLowerCase() };
  }

  private async sendDomain(domain: string, messages: OutgoingMessage[], onOutcome: (outcome: Outcome) => void): Promise<void> {
    const route = await this.router.route(domain);
    const blocked = route.kind === 'relay' ? null : await this.domains.knownNoTls(domain);
    if (blocked || route.problem) {
      const reason = blocked ? 'known_no_tls' : (route.problem as string);
      const status = blocked || route.problem === 'mta_sts_mx_mismatch' ? 'dropped_no_tls' : route.problem === 'null_mx' ? 'bounced' : 'deferred';
      const evidence: DeliveryEvidence = { route: route.kind, mtaStsMode: route.mtaStsMode, attemptedAt: new Date().toISOString() };
      if (route.problem === 'mta_sts_mx_mismatch') {
        await this.domains.recordTlsFailures(
          domain,
          'sts',
          (route.refusedMx ?? []).map((mx) => ({
            resultType: 'validation-failure',
            mxHost: mx,
            reasonCode: 'mta_sts_mx_mismatch',
            detail: 'MX not in the MTA-STS policy',
          })),
        );
      }
      const detail = blocked ? `domain probed without usable TLS: ${blocked}` : `no usable route: ${route.problem ?? ''}`;
      for (const m of messages) onOutcome({ deliveryId: m.deliveryId, status, reason, detail, evidence });
      return;
    }
    const result = await this.sender.send(route, messages, onOutcome);
    if (result.tlsFailures.length) await this.domains.recordTlsFailures(domain, route.mtaStsMode === 'none' ? 'no-policy-found' : 'sts', result.tlsFailures);
    if (route.kind !== 'relay') await this.domains.learn(domain, route.mtaStsMode, result.domainStatus);
  }

  /** Writes every outcome in one statement, then events and bounces. Returns the deferred ones with their next attempt. */
  private async record(rows: ClaimedRow[], finished: Finished[]): Promise<{ id: string; at: Date }[]> {
    const byId = new Map(rows.map((r) => [r.id, r]));
    const retry: { id: string; at: Date }[] = [];
    const windowMs = this.config.DELIVERY_RETRY_HOURS * 3_600_000;
    const final = finished.map((f) => {
      const row = byId.get(f.id) as ClaimedRow;
      if (f.status !== 'deferred') return { ...f, nextAt: null as Date | null };
      const backoff = Math.min(this.config.DELIVERY_RETRY_BASE_SECONDS * 1000 * 2 ** Math.min(row.attempts - 1, 10), 6 * 3_600_000);
      const at = new Date(Date.now() + backoff);
      if (at.getTime() - row.first_attempt_at.getTime() > windowMs) return { ...f, status: 'failed' as const, reason: 'retry_window_expired', nextAt: null };
      retry.push({ id: f.id, at });
      return { ...f, nextAt: at };
    });
    // Bounces go through BouncesService (suppression, event); everything else is written here.
    const bounced = final.filter((f) => f.status === 'bounced');
    const rest = final.filter((f) => f.status !== 'bounced');
    await this.db.query(
      `UPDATE deliveries d SET status = x.status, reason = x.reason, detail = x.detail, evidence = x.evidence, message_id = coalesce(x.message_id, d.message_id),
              next_attempt_at = coalesce(x.next_at, d.next_attempt_at), sent_at = CASE WHEN x.status = 'sent' THEN now() ELSE d.sent_at END, updated_at = now()
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::timestamptz[]) AS x(id, status, reason, detail, evidence, message_id, next_at)
        WHERE d.id = x.id`,
      [
        final.map((f) => f.id),
        final.map((f) => (f.status === 'bounced' ? 'sending' : f.status)),
        final.map((f) => f.reason),
        final.map((f) => f.detail),
        final.map((f) => (f.evidence ? JSON.stringify(f.evidence) : null)),
        final.map((f) => f.messageId ?? null),
        final.map((f) => f.nextAt),
      ],
    );
    const events: EngagementEvent[] = rest.map((f) => {
      const row = byId.get(f.id) as ClaimedRow;
      const type = f.status === 'sent' ? 'delivered' : f.status === 'deferred' ? 'deferred' : 'dropped';
      return {
        type,
        contactId: row.contact_id,
        deliveryId: f.id,
        campaignId: row.campaign_id,
        journeyId: row.journey_id,
        detail: { status: f.status, reason: f.reason, smtpCode: f.evidence?.smtpCode ?? null, tlsVersion: f.evidence?.tlsVersion ?? null },
      };
    });
    await this.engagement.record(events);
    for (const f of bounced) {
      const code = f.evidence?.smtpCode;
      try {
        await this.bounces.recordBounce(f.id, { kind: 'hard', source: 'smtp', ...(code ? { smtpCode: code } : {}), diagnostic: f.detail ?? undefined });
      } catch (err) {
        // The bounce itself still stands: the row must not go back to the retry path.
        await this.db.query(`UPDATE deliveries SET status = 'bounced', reason = 'hard_bounce' WHERE id = $1`, [f.id]);
        this.logger.warn({ code: (err as { code?: string }).code }, 'bounce side effects not recorded');
      }
    }
    return retry;
  }
}

function toFinished(o: Outcome): Finished {
  if (o.status === 'sent') return { id: o.deliveryId, status: 'sent', reason: null, detail: null, evidence: o.evidence };
  return { id: o.deliveryId, status: o.status, reason: o.reason, detail: o.detail, evidence: o.evidence };
}

const RECORD_EVERY = 10;

/** Collects outcomes and writes them in small groups, one write at a time; `done()` writes the rest and returns the retries. */
class OutcomeRecorder {
  private readonly pending: Finished[] = [];
  private readonly retry: { id: string; at: Date }[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(private readonly write: (batch: Finished[]) => Promise<{ id: string; at: Date }[]>) {}

  add(items: Finished[]): void {
    this.pending.push(...items);
    if (this.pending.length >= RECORD_EVERY) this.flush();
  }

  async done(): Promise<{ id: string; at: Date }[]> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
    return this.retry;
  }

  private flush(): void {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    this.chain = this.chain.then(async () => {
      try {
        this.retry.push(...(await this.write(batch)));
      } catch (err) {
        this.failure ??= err instanceof Error ? err : new Error('recording outcomes failed');
      }
    });
  }
}
