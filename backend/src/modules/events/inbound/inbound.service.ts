import { nextIds } from '../../../platform/database/index.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../../config/index.js';
import { DomainError, type FieldProblem } from '../../../platform/errors/index.js';
import type { AuditActor } from '../../audit/index.js';
import { AuditService } from '../../audit/index.js';
import { CryptoService } from '../../crypto/index.js';
import { mapFhir, parseFhirJson } from '../fhir/fhir-mapper.js';
import { type IssueCode, operationOutcome, responseEntry } from '../fhir/operation-outcome.js';
import { type AckCode, type AckError, buildAck } from '../hl7/hl7-ack.js';
import { hl7DedupeKey, mapHl7 } from '../hl7/hl7-mapper.js';
import { decodeHl7, Hl7Message, Hl7ParseError } from '../hl7/hl7-message.js';
import type { ChangeOutcome, MappedMessage } from './ehr-change.js';
import { EhrApplier } from './ehr-applier.js';
import { allowedUrl, EhrMappingService, type EhrMapping } from './ehr-mapping.service.js';

export type InboundChannel = 'fhir' | 'hl7-mllp' | 'hl7-http';
export type InboundStatus = 'processed' | 'rejected' | 'dead_letter' | 'duplicate';

export interface InboundMessageView {
  id: string;
  channel: InboundChannel;
  kind: string;
  status: InboundStatus;
  reason: string | null;
  problems: FieldProblem[];
  contactIds: string[];
  eventCount: number;
  attempts: number;
  receivedAt: string;
  processedAt: string | null;
  payloadKept: boolean;
}

interface Row {
  id: string;
  channel: InboundChannel;
  kind: string;
  status: InboundStatus;
  reason: string | null;
  problems: FieldProblem[];
  contact_ids: string[];
  event_count: number;
  attempts: number;
  received_at: Date;
  processed_at: Date | null;
  kept: boolean;
}

/** The result of one message: what to store and what to answer. */
interface Handled {
  status: InboundStatus;
  kind: string;
  reason: string | null;
  problems: FieldProblem[];
  dedupeToken: Buffer | null;
  contactIds: string[];
  eventCount: number;
  mapped?: MappedMessage;
  outcomes: ChangeOutcome[];
  /** For HL7: the parsed message (absent when it could not be read) and the ACK. */
  hl7?: Hl7Message;
  ackCode?: AckCode;
  ackErrors?: AckError[];
}

interface Pending {
  raw: Buffer;
  channel: 'hl7-mllp' | 'hl7-http';
  actor: AuditActor;
  resolve: (ack: { code: AckCode; ack: string; id: string | null }) => void;
  reject: (err: unknown) => void;
}

const MLLP_ACTOR: AuditActor = { type: 'system', id: 'hl7-mllp' };
const BATCH_MAX = 200;
const ERROR_PREFIXES = ['200', '201', '202', '203'];

/**
 * Inbound EHR messages (FHIR R4, HL7 v2): parse, map, apply, and keep a record of each with its outcome. The raw
 * payload is stored only encrypted and only for INBOUND_RETENTION_DAYS; outcomes name fields and rules, never values.
 * HL7 messages arriving together (several MLLP connections) are applied as one batch: one contacts write, one event
 * insert and one record insert for all of them.
 */
@Injectable()
export class InboundService {
  private readonly logger = new Logger(InboundService.name);
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crypto: CryptoService,
    private readonly mappings: EhrMappingService,
    private readonly applier: EhrApplier,
    private readonly audit: AuditService,
  ) {}

  static aad(id: string): string {
    return CryptoService.aad('inbound_messages', 'payload_enc', id);
  }

  // ---- HL7 v2 ----

  /** One HL7 v2 message (MLLP frame payload or HTTP body): the ACK to send back. */
  receiveHl7(raw: Buffer, channel: 'hl7-mllp' | 'hl7-http', actor: AuditActor = MLLP_ACTOR): Promise<{ code: AckCode; ack: string; id: string | null }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ raw, channel, actor, resolve, reject });
      if (!this.flushing) setImmediate(() => void this.flush());
    });
  }

  /** A frame that ended early (truncated): recorded as rejected, answered AR when its header can be read. */
  async truncatedHl7(raw: Buffer, reason: string): Promise<string | null> {
    let message: Hl7Message | undefined;
    try {
      message = Hl7Message.parse(decodeHl7(raw));
    } catch {
      message = undefined;
    }
    const kind = message ? `${message.header.type}^${message.header.trigger}` : 'unknown';
    const problems = [{ field: 'MLLP', message: reason }];
    await this.store([{ raw, channel: 'hl7-mllp', handled: this.rejected(kind, problems) }]);
    return message ? buildAck('AR', message, [{ code: '100', text: reason }]) : null;
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length) {
        // One batch per caller (its audit entry names one actor): the oldest message's caller first.
        const actor = actorKey(this.queue[0].actor);
        const batch: Pending[] = [];
        const rest: Pending[] = [];
        for (const p of this.queue) (batch.length < BATCH_MAX && actorKey(p.actor) === actor ? batch : rest).push(p);
        this.queue = rest;
        try {
          const handled = await this.handleHl7Batch(batch.map((p) => ({ raw: p.raw, channel: p.channel, actor: p.actor })));
          batch.forEach((p, i) => {
            const h = handled[i];
            p.resolve({ code: h.handled.ackCode ?? 'AE', ack: buildAck(h.handled.ackCode ?? 'AE', h.handled.hl7, h.handled.ackErrors ?? []), id: h.id });
          });
        } catch (err) {
          this.logger.error({ code: (err as { code?: string }).code, name: (err as Error).name }, 'HL7 batch failed');
          // Nothing was acknowledged: the sender keeps the messages and retries.
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async handleHl7Batch(items: { raw: Buffer; channel: 'hl7-mllp' | 'hl7-http'; actor: AuditActor; id?: string }[]) {
    const mapping = await this.mappings.current();
    const results = items.map((item) => {
      let message: Hl7Message;
      try {
        message = Hl7Message.parse(decodeHl7(item.raw));
      } catch (err) {
        if (!(err instanceof Hl7ParseError)) throw err;
        const field = err.location ? `${err.location.segment}${err.location.field ? `-${err.location.field}` : ''}` : 'message';
        const h = this.rejected('unknown', [{ field, message: err.message }]);
        h.ackCode = 'AR';
        h.ackErrors = [{ code: err.code, text: err.message, segment: err.location?.segment, field: err.location?.field }];
        return h;
      }
      const mapped = mapHl7(message, mapping);
      const h = this.fromMapped(mapped);
      h.hl7 = message;
      if (!mapped.ok) {
        h.ackCode = mapped.status === 'rejected' && ERROR_PREFIXES.includes(mapped.hl7Code ?? '') ? 'AR' : 'AE';
        h.ackErrors = mapped.problems.map((p) => ({ code: mapped.hl7Code ?? '207', text: `${p.field}: ${p.message}`, ...segField(p.field) }));
      } else h.dedupeToken = this.crypto.blindIndex('inbound_messages.dedupe', hl7DedupeKey(message));
      return h;
    });
    await this.markDuplicates(
      results,
      items.map((i) => i.id),
    );
    const toApply = results.map((h, i) => ({ h, i })).filter(({ h }) => h.mapped?.ok && h.status !== 'duplicate');
    const ids = await this.reserveIds(items.map((item, i) => item.id ?? (results[i].status === 'duplicate' ? 'skip' : undefined)));
    if (toApply.length) {
      const outcomes = await this.applier.apply(
        toApply.map(({ h, i }) => ({ changes: h.mapped?.ok ? h.mapped.changes : [], inboundMessageId: ids[i] })),
        mapping,
        items[toApply[0].i].actor,
        'hl7',
      );
      toApply.forEach(({ h }, n) => this.settle(h, outcomes[n]));
    }
    for (const h of results) {
      if (h.status === 'processed' || h.status === 'duplicate') {
        h.ackCode = 'AA';
        h.ackErrors = h.problems.length ? h.problems.map((p) => ({ code: '0', text: `${p.field}: ${p.message}` })) : [];
        if (h.status === 'duplicate') h.ackErrors = [{ code: '0', text: 'duplicate message: already processed' }];
      } else if (h.status === 'dead_letter' && !h.ackCode) {
        h.ackCode = 'AE';
        h.ackErrors = h.problems.map((p) => ({ code: '207', text: `${p.field}: ${p.message}` }));
      }
    }
    await this.store(
      items
        .map((item, i) => ({ raw: item.raw, channel: item.channel, handled: results[i], id: ids[i], existing: item.id !== undefined }))
        .filter((x) => x.handled.status !== 'duplicate'),
    );
    return results.map((handled, i) => ({ handled, id: handled.status === 'duplicate' ? null : ids[i] }));
  }

  // ---- FHIR ----

  /** A FHIR resource or Bundle: the HTTP status and body (OperationOutcome, or a batch/transaction response Bundle). */
  async receiveFhir(
    raw: Buffer,
    expectedType: string | undefined,
    actor: AuditActor,
    existingId?: string,
  ): Promise<{ status: number; body: unknown; id: string | null }> {
    const parsed = parseFhirJson(raw);
    const mapping = await this.mappings.current();
    let handled: Handled;
    let bundleType: string | undefined;
    let issueCode: IssueCode = 'invalid';
    if ('problems' in parsed) {
      handled = this.rejected('unknown', parsed.problems);
      issueCode = parsed.code;
    } else {
      const mapped = await mapFhir(parsed.resource, mapping, this.fetcher(mapping), expectedType);
      handled = this.fromMapped(mapped);
      if (!mapped.ok) issueCode = (mapped.hl7Code as IssueCode | undefined) ?? 'invalid';
      else {
        bundleType = mapped.bundleType;
        handled.dedupeToken = this.crypto.blindIndex('inbound_messages.dedupe', `fhir|${raw.toString('base64')}`);
      }
    }
    await this.markDuplicates([handled], [existingId]);
    const [id] = await this.reserveIds([existingId ?? (handled.status === 'duplicate' ? 'skip' : undefined)]);
    if (handled.mapped?.ok && handled.status !== 'duplicate') {
      const [outcomes] = await this.applier.apply([{ changes: handled.mapped.changes, inboundMessageId: id }], mapping, actor, 'fhir');
      this.settle(handled, outcomes);
    }
    if (handled.status !== 'duplicate') await this.store([{ raw, channel: 'fhir', handled, id, existing: existingId !== undefined }]);
    return { ...this.fhirResponse(handled, bundleType, issueCode, id), id: handled.status === 'duplicate' ? null : id };
  }

  private fhirResponse(h: Handled, bundleType: string | undefined, code: IssueCode, id: string | null): { status: number; body: unknown } {
    const ref = id ? ` (inbound message ${id})` : '';
    if (h.status === 'rejected') {
      const status = code === 'not-supported' ? 422 : 400;
      return { status, body: operationOutcome('error', code, h.problems) };
    }
    if (h.status === 'duplicate')
      return { status: 200, body: operationOutcome('information', 'informational', [], 'duplicate delivery: already processed, nothing changed') };
    const mapped = h.mapped?.ok ? h.mapped : undefined;
    if (mapped && (bundleType === 'batch' || bundleType === 'transaction') && !(bundleType === 'transaction' && h.status === 'dead_letter')) {
      const entries = Array.from({ length: mapped.entries }, (_, i) => {
        const failure = mapped.failedEntries.find((f) => f.entry === i);
        const outcome = h.outcomes.find((o) => o.entry === i);
        return responseEntry(failure ?? outcome, !failure && !outcome);
      });
      return { status: 200, body: { resourceType: 'Bundle', type: `${bundleType}-response`, entry: entries } };
    }
    if (h.status === 'dead_letter')
      return {
        status: 422,
        body: operationOutcome('error', 'processing', h.problems, `could not be mapped; kept as a dead letter for reprocessing after a mapping fix${ref}`),
      };
    return {
      status: 200,
      body: operationOutcome('warning', 'informational', h.problems, `processed${ref}: ${h.contactIds.length} contact(s), ${h.eventCount} event(s)`),
    };
  }

  /** Fetches resources named by id-only subscription notifications, only from the configured FHIR server. */
  private fetcher(mapping: EhrMapping) {
    const base = mapping.fhirServerUrl;
    if (!base) return null;
    return async (reference: string) => {
      const url = /^https?:\/\//.test(reference) ? reference : `${base}/${reference.replace(/^\/+/, '')}`;
      if (!url.startsWith(`${base}/`) || !allowedUrl(url)) throw new Error('the reference is not on the configured FHIR server');
      const res = await fetch(url, { headers: { accept: 'application/fhir+json' }, signal: AbortSignal.timeout(10_000), redirect: 'error' });
      if (!res.ok) throw new Error(`the FHIR server answered ${res.status}`);
      const body = await res.json();
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('the FHIR server did not return a resource');
      return body as Record<string, unknown>;
    };
  }

  // ---- shared ----

  private rejected(kind: string, problems: FieldProblem[]): Handled {
    return { status: 'rejected', kind, reason: summary(problems), problems, dedupeToken: null, contactIds: [], eventCount: 0, outcomes: [] };
  }

  private fromMapped(mapped: MappedMessage): Handled {
    if (!mapped.ok)
      return {
        status: mapped.status,
        kind: mapped.kind,
        reason: mapped.reason,
        problems: mapped.problems,
        dedupeToken: null,
        contactIds: [],
        eventCount: 0,
        mapped,
        outcomes: [],
      };
    const failures = mapped.failedEntries.flatMap((f) => f.problems);
    const status: InboundStatus =
      mapped.failedEntries.length && mapped.changes.length === 0 && mapped.failedEntries.every((f) => f.status === 'rejected')
        ? 'rejected'
        : mapped.failedEntries.length
          ? 'dead_letter'
          : 'processed';
    return {
      status,
      kind: mapped.kind,
      reason: failures.length ? summary(failures) : null,
      problems: [...failures, ...mapped.warnings],
      dedupeToken: null,
      contactIds: [],
      eventCount: 0,
      mapped,
      outcomes: [],
    };
  }

  private settle(h: Handled, outcomes: ChangeOutcome[]) {
    h.outcomes = outcomes;
    h.contactIds = [...new Set(outcomes.flatMap((o) => (o.contactId ? [o.contactId] : [])))];
    h.eventCount = outcomes.reduce((n, o) => n + o.events, 0);
    const failed = outcomes.filter((o) => o.status === 'failed');
    const label = (o: ChangeOutcome, p: FieldProblem) => ({
      field: h.mapped?.ok && h.mapped.entries > 1 ? `entry[${o.entry}] ${o.label} ${p.field}` : p.field,
      message: p.message,
    });
    if (failed.length) {
      h.status = 'dead_letter';
      const problems = failed.flatMap((o) => o.problems.map((p) => label(o, p)));
      h.reason = summary(problems);
      h.problems = [...h.problems, ...problems];
    }
    const warnings = outcomes.filter((o) => o.status === 'applied').flatMap((o) => o.problems.map((p) => label(o, p)));
    h.problems = [...h.problems, ...warnings];
  }

  private async markDuplicates(handled: Handled[], existing: (string | undefined)[]) {
    const probes = handled.map((h, i) => (h.dedupeToken && !existing[i] ? h.dedupeToken : null));
    const tokens = probes.filter((t): t is Buffer => !!t);
    if (!tokens.length) return;
    const rows = await this.dataSource.query<{ dedupe_token: Buffer }[]>(`SELECT dedupe_token FROM inbound_messages WHERE dedupe_token = ANY($1::bytea[])`, [
      tokens,
    ]);
    const seen = new Set(rows.map((r) => r.dedupe_token.toString('hex')));
    const inBatch = new Set<string>();
    handled.forEach((h, i) => {
      const hex = probes[i]?.toString('hex');
      if (!hex) return;
      if (seen.has(hex) || inBatch.has(hex)) h.status = 'duplicate';
      inBatch.add(hex);
    });
  }

  /** Ids for new rows (ciphertexts are bound to their row id); existing ids pass through, 'skip' gives null. */
  private async reserveIds(given: (string | undefined)[]): Promise<(string | null)[]> {
    const needed = given.filter((g) => g === undefined).length;
    const fresh = needed ? await nextIds(this.dataSource, 'inbound_messages_id_seq', needed) : [];
    return given.map((g) => (g === 'skip' ? null : (g ?? fresh.shift() ?? null)));
  }

  private async store(items: { raw: Buffer; channel: InboundChannel; handled: Handled; id?: string | null; existing?: boolean }[]) {
    if (!items.length) return;
    const missing = items.filter((i) => !i.id);
    if (missing.length) {
      const ids = await this.reserveIds(missing.map(() => undefined));
      missing.forEach((m, n) => (m.id = ids[n]));
    }
    const fresh = items.filter((i) => !i.existing);
    if (fresh.length) {
      await this.dataSource.query(
        `INSERT INTO inbound_messages (id, channel, kind, status, reason, problems, dedupe_token, payload_enc, contact_ids, event_count, processed_at)
         SELECT id, channel, kind, status, reason, problems, dedupe_token, payload_enc, COALESCE(string_to_array(NULLIF(contacts, ''), ',')::bigint[], '{}'), events, now()
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::bytea[], $8::bytea[], $9::text[], $10::int[])
             AS t(id, channel, kind, status, reason, problems, dedupe_token, payload_enc, contacts, events)
         ON CONFLICT (dedupe_token) DO NOTHING`,
        [
          fresh.map((i) => i.id),
          fresh.map((i) => i.channel),
          fresh.map((i) => i.handled.kind.slice(0, 100)),
          fresh.map((i) => i.handled.status),
          fresh.map((i) => i.handled.reason?.slice(0, 2000) ?? null),
          fresh.map((i) => JSON.stringify(i.handled.problems.slice(0, 100))),
          fresh.map((i) => (i.handled.status === 'processed' || i.handled.status === 'dead_letter' ? i.handled.dedupeToken : null)),
          fresh.map((i) => this.crypto.encrypt('phi', i.raw, InboundService.aad(i.id as string))),
          fresh.map((i) => i.handled.contactIds.join(',')),
          fresh.map((i) => i.handled.eventCount),
        ],
      );
    }
    for (const i of items.filter((x) => x.existing)) {
      const h = i.handled;
      await this.dataSource.query(
        `UPDATE inbound_messages SET kind = $2, status = $3, reason = $4, problems = $5, contact_ids = $6::bigint[], event_count = event_count + $7,
                attempts = attempts + 1, processed_at = now(),
                dedupe_token = CASE WHEN $3 IN ('processed', 'dead_letter') AND NOT EXISTS (SELECT 1 FROM inbound_messages o WHERE o.dedupe_token = $8 AND o.id <> $1) THEN $8 ELSE dedupe_token END
          WHERE id = $1`,
        [
          i.id,
          h.kind.slice(0, 100),
          h.status,
          h.reason?.slice(0, 2000) ?? null,
          JSON.stringify(h.problems.slice(0, 100)),
          h.contactIds,
          h.eventCount,
          h.dedupeToken,
        ],
      );
    }
  }

  // ---- records ----

  async list(filter: { status?: string; channel?: string }, page: { offset: number; limit: number }): Promise<{ data: InboundMessageView[]; total: number }> {
    const params: unknown[] = [filter.status ?? null, filter.channel ?? null];
    const where = `WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR channel = $2)`;
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM inbound_messages ${where}`, params);
    const rows = await this.dataSource.query<Row[]>(
      `SELECT ${COLUMNS} FROM inbound_messages ${where} ORDER BY received_at DESC, id DESC OFFSET ${page.offset} LIMIT ${page.limit}`,
      params,
    );
    return { data: rows.map(toView), total };
  }

  async get(id: string): Promise<InboundMessageView> {
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('inbound_not_found', 'No such inbound message', 404);
    const [row] = await this.dataSource.query<[Row?]>(`SELECT ${COLUMNS} FROM inbound_messages WHERE id = $1`, [id]);
    if (!row) throw new DomainError('inbound_not_found', 'No such inbound message', 404);
    return toView(row);
  }

  /** Runs a stored message again (after a mapping fix): its record is updated with the new outcome. */
  async reprocess(id: string, actor: AuditActor): Promise<InboundMessageView> {
    const view = await this.get(id);
    if (view.status === 'processed' || view.status === 'duplicate') throw new DomainError('inbound_processed', 'This message was processed already', 409);
    const [row] = await this.dataSource.query<[{ payload_enc: Buffer | null }]>(`SELECT payload_enc FROM inbound_messages WHERE id = $1`, [id]);
    if (!row.payload_enc) throw new DomainError('inbound_purged', 'The payload of this message is past its retention period and was deleted', 410);
    const raw = await this.crypto.decrypt(row.payload_enc, InboundService.aad(id));
    if (view.channel === 'fhir') await this.receiveFhir(raw, undefined, actor, id);
    else await this.handleHl7Batch([{ raw, channel: view.channel, actor, id }]);
    await this.audit.record({ actor, action: 'inbound.reprocessed', subject: { type: 'inbound_message', id } });
    return this.get(id);
  }

  /** Deletes raw payloads past the retention period (records and outcomes stay). */
  async purgeExpired(now = new Date()): Promise<number> {
    // An UPDATE answers [rows, count] through TypeORM.
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE inbound_messages SET payload_enc = NULL, purged_at = now()
        WHERE payload_enc IS NOT NULL AND received_at < $1::timestamptz - make_interval(days => $2)`,
      [now, this.config.INBOUND_RETENTION_DAYS],
    );
    return count;
  }

  /** Counts by status, for the integrations page. */
  async stats(): Promise<Record<InboundStatus, number>> {
    const rows = await this.dataSource.query<{ status: InboundStatus; n: number }[]>(`SELECT status, count(*)::int AS n FROM inbound_messages GROUP BY status`);
    const out = { processed: 0, rejected: 0, dead_letter: 0, duplicate: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}

const COLUMNS = `id::text AS id, channel, kind, status, reason, problems, contact_ids::text[] AS contact_ids, event_count, attempts, received_at, processed_at, payload_enc IS NOT NULL AS kept`;

function toView(r: Row): InboundMessageView {
  return {
    id: r.id,
    channel: r.channel,
    kind: r.kind,
    status: r.status,
    reason: r.reason,
    problems: r.problems,
    contactIds: r.contact_ids,
    eventCount: r.event_count,
    attempts: r.attempts,
    receivedAt: r.received_at.toISOString(),
    processedAt: r.processed_at?.toISOString() ?? null,
    payloadKept: r.kept,
  };
}

function summary(problems: FieldProblem[]): string {
  return problems
    .slice(0, 5)
    .map((p) => `${p.field}: ${p.message}`)
    .join('; ');
}

function segField(field: string): { segment?: string; field?: number } {
  const m = /^([A-Z][A-Z0-9]{2})(?:-(\d+))?/.exec(field);
  return m ? { segment: m[1], field: m[2] ? Number(m[2]) : undefined } : {};
}

function actorKey(actor: AuditActor): string {
  return `${actor.type}:${actor.id ?? ''}`;
}
