import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import { DomainError, type FieldProblem } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { ConsentService, type ConsentChange, type ConsentMethod, TopicsService } from '../consent/index.js';
import { CryptoService } from '../crypto/index.js';
import { AttributesService } from './attributes.service.js';
import { type AttributeValue, type ContactInput, type ContactPhi, normalizeEmail, validateContact } from './contact-input.js';
import { contactTokens, tokenOf } from './contact-tokens.js';
import { initialsOf, maskEmail, type MaskedContact, phiFieldsOf, type RevealedContact } from './contact-views.js';
import { ContactWriter, type ExistingPolicy, type PreparedBatch, STORED_COLUMNS, type StoredRow, type WriteResult } from './contact-writer.js';

export const BULK_MAX = 10_000;
const BATCH = 1000;

export interface BulkConsent {
  topic: string;
  status: 'confirmed' | 'pending';
  method: ConsentMethod;
  source: string;
}

export type BulkItemResult =
  { index: number; status: 'created' | 'updated' | 'unchanged' | 'skipped'; id: string } | { index: number; status: 'error'; errors: FieldProblem[] };

interface Row extends StoredRow {
  status: 'active' | 'erased';
  source: string;
  created_at: Date;
  updated_at: Date;
}

const ROW_COLUMNS = `${STORED_COLUMNS}, status, source, created_at, updated_at`;

/** A contact as the system itself uses it to render a message: never shown to a user. */
export interface ProcessingRecord {
  phi: ContactPhi;
  timeZone: string | null;
  language: string | null;
  attributes: Record<string, AttributeValue>;
  emailToken: Buffer;
}

/** Owns contacts and contact_identifiers. PHI leaves this service only masked, or revealed with an audit entry. */
/** A batch of an import: written with the import's own progress, in the same transaction. */
export interface ImportBatch {
  importId: string;
  /** The batch most likely holds only new contacts (the one before did): write it without looking them up first. */
  expectNew: boolean;
  /** More work to commit in the same transaction (the import's counters and checkpoint). */
  after: (tx: EntityManager, results: WriteResult[]) => Promise<void>;
}

@Injectable()
export class ContactsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly writer: ContactWriter,
    private readonly attributes: AttributesService,
    private readonly consent: ConsentService,
    private readonly topics: TopicsService,
    private readonly audit: AuditService,
  ) {}

  async create(raw: Record<string, unknown>, actor: AuditActor, consent?: BulkConsent): Promise<MaskedContact> {
    const { value, problems } = validateContact(raw, await this.attributes.definitions());
    if (!value) throw invalid(problems);
    const result = (await this.writeAll([{ ref: 0, input: value }], 'skip', actor, consent)).at(0);
    if (!result || result.status === 'error') throw invalid(result?.status === 'error' ? result.errors : []);
    if (result.status === 'skipped')
      throw new DomainError('contact_exists', 'A contact with this e-mail already exists', 409, [{ field: 'email', message: 'already in use' }]);
    await this.audit.record({ actor, action: 'contact.created', subject: { type: 'contact', id: result.id } });
    return this.get(result.id);
  }

  /** Up to 10,000 contacts; each gets its own result, and a bad one never fails the others. */
  async bulkUpsert(
    items: unknown[],
    onExisting: ExistingPolicy,
    actor: AuditActor,
    consent?: BulkConsent,
  ): Promise<{ results: BulkItemResult[]; summary: Record<string, number> }> {
    if (!Array.isArray(items) || items.length === 0)
      throw new DomainError('validation', 'contacts must be a non-empty list', 400, [{ field: 'contacts', message: 'must be a non-empty list' }]);
    if (items.length > BULK_MAX)
      throw new DomainError('validation', `at most ${BULK_MAX} contacts per call`, 400, [{ field: 'contacts', message: `at most ${BULK_MAX}` }]);
    const definitions = await this.attributes.definitions();
    const results: BulkItemResult[] = [];
    const valid: { ref: number; input: ContactInput }[] = [];
    items.forEach((item, index) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        results.push({ index, status: 'error', errors: [{ field: `contacts[${index}]`, message: 'must be an object' }] });
        return;
      }
      const { value, problems } = validateContact(item as Record<string, unknown>, definitions);
      if (value) valid.push({ ref: index, input: value });
      else results.push({ index, status: 'error', errors: problems });
    });
    for (let i = 0; i < valid.length; i += BATCH) {
      for (const r of await this.writeAll(valid.slice(i, i + BATCH), onExisting, actor, consent)) {
        results.push(r.status === 'error' ? { index: r.ref, status: 'error', errors: r.errors } : { index: r.ref, status: r.status, id: r.id });
      }
    }
    results.sort((a, b) => a.index - b.index);
    const summary = { created: 0, updated: 0, unchanged: 0, skipped: 0, error: 0 };
    for (const r of results) summary[r.status]++;
    await this.audit.record({ actor, action: 'contacts.bulk-upsert', details: { ...summary, onExisting, consentTopic: consent?.topic ?? null } });
    return { results, summary };
  }

  /** Writes one batch in one transaction, with the consent events for what it created or updated. */
  async writeAll(
    items: { ref: number; input: ContactInput }[] | PreparedBatch,
    onExisting: ExistingPolicy,
    actor: AuditActor,
    consent?: BulkConsent,
    batchOf?: ImportBatch,
  ): Promise<WriteResult[]> {
    const topic = consent ? await this.topics.byKey(consent.topic) : undefined;
    const importId = batchOf?.importId;
    const options = {
      onExisting,
      source: importId ? 'import' : actor.type === 'api_key' ? 'api' : 'admin',
      importId,
      expectNew: batchOf?.expectNew ?? false,
    };
    return this.dataSource.transaction(async (tx) => {
      // An import batch commits with its checkpoint: after a crash the run resumes consistently from
      // whatever committed, so it need not wait for each WAL flush.
      if (importId) await tx.query(`SET LOCAL synchronous_commit = off`);
      const batch = Array.isArray(items) ? await this.writer.prepare(tx, items, options) : items;
      const results = await this.writer.writePrepared(tx, batch, options);
      if (consent && topic) {
        const created: ConsentChange[] = [];
        const others: ConsentChange[] = [];
        const seen = new Set<string>();
        for (const r of results) {
          if ((r.status === 'created' || r.status === 'updated' || r.status === 'unchanged') && !seen.has(r.id)) {
            seen.add(r.id);
            const change = {
              contactId: r.id,
              topicId: topic.id,
              status: consent.status,
              method: consent.method,
              source: consent.source,
              importId: importId ?? null,
              actor: { type: actor.type, id: actor.id },
            };
            (r.status === 'created' ? created : others).push(change);
          }
        }
        await this.consent.recordForNewContacts(tx, created);
        await this.consent.recordIfChanged(tx, others);
      }
      if (batchOf) await batchOf.after(tx, results);
      return results;
    });
  }

  async get(id: string): Promise<MaskedContact> {
    return this.mask(await this.row(id));
  }

  /** The full record: the caller holds phi:reveal; the reveal is audited. */
  async reveal(id: string, actor: AuditActor): Promise<RevealedContact> {
    const row = await this.row(id);
    const masked = await this.mask(row);
    if (row.status !== 'active') return { ...masked, phi: { email: '' } };
    const phi = await this.phiOf(row);
    await this.audit.record({ actor, action: 'phi.revealed', subject: { type: 'contact', id } });
    return { ...masked, phi };
  }

  async list(filter: { ids?: string[]; status?: string; importId?: string }, page: { offset: number; limit: number; order: 'ASC' | 'DESC' }) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.ids?.length) {
      params.push(filter.ids);
      where.push(`id = ANY($${params.length}::bigint[])`);
    }
    if (filter.status) {
      params.push(filter.status);
      where.push(`status = $${params.length}`);
    }
    if (filter.importId) {
      params.push(filter.importId);
      where.push(`import_id = $${params.length}::bigint`);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM contacts ${clause}`, params);
    const rows = await this.dataSource.query<Row[]>(
      `SELECT ${ROW_COLUMNS} FROM contacts ${clause} ORDER BY id ${page.order} OFFSET ${page.offset} LIMIT ${page.limit}`,
      params,
    );
    return { data: await Promise.all(rows.map((r) => this.mask(r))), total };
  }

  /** Find by e-mail or external identifier (values in the body, never in a URL). */
  async lookup(by: { email?: string; identifier?: { system: string; value: string } }): Promise<MaskedContact> {
    let id: string | undefined;
    if (by.email) {
      const [row] = await this.dataSource.query<[{ id: string }?]>(`SELECT id::text AS id FROM contacts WHERE email_token = $1`, [
        tokenOf.email(this.crypto, normalizeEmail(by.email)),
      ]);
      id = row?.id;
    } else if (by.identifier) {
      const [row] = await this.dataSource.query<[{ id: string }?]>(`SELECT contact_id::text AS id FROM contact_identifiers WHERE token = $1`, [
        tokenOf.identifier(this.crypto, by.identifier.system, by.identifier.value),
      ]);
      id = row?.id;
    } else {
      throw new DomainError('validation', 'email or identifier is required', 400, [{ field: 'email', message: 'email or identifier is required' }]);
    }
    if (!id) throw new DomainError('contact_not_found', 'No contact matches', 404);
    return this.get(id);
  }

  /** Partial update: fields given replace stored ones (lists replace too); the result is validated whole. */
  async update(id: string, patch: Record<string, unknown>, actor: AuditActor): Promise<MaskedContact> {
    const row = await this.row(id);
    if (row.status !== 'active') throw new DomainError('contact_erased', 'This contact was erased', 410);
    const current = await this.writer.stored(row);
    const storedAttributes = { ...current.phi.attributes, ...current.attributes };
    const merged: Record<string, unknown> = { ...current.phi, timeZone: current.timeZone, language: current.language, attributes: storedAttributes };
    for (const [k, v] of Object.entries(patch)) merged[k] = v;
    // Custom attributes merge key by key (null removes one); anything else in `attributes` is left to the validator to refuse.
    if (patch.attributes && typeof patch.attributes === 'object' && !Array.isArray(patch.attributes))
      merged.attributes = { ...storedAttributes, ...patch.attributes };
    const { value, problems } = validateContact(merged, await this.attributes.definitions());
    if (!value) throw invalid(problems);
    const { columns, identifiers } = contactTokens(this.crypto, value);
    await this.dataSource.transaction(async (tx) => {
      try {
        await tx.query(
          `UPDATE contacts SET email_token = $2, phi = $3, time_zone = $4, language = $5, attributes = $6::jsonb,
                  sex_token = $7, birth_year_token = $8, zip3_token = $9, postal_token = $10, state_token = $11, insurance_status_token = $12,
                  insurance_plan_token = $13, provider_token = $14, last_visit_month_token = $15, next_visit_month_token = $16,
                  condition_tokens = $17::bigint[], attribute_tokens = $18::bigint[], updated_at = now()
            WHERE id = $1`,
          [
            id,
            columns.email_token,
            this.crypto.encrypt('phi', JSON.stringify(value.phi), ContactWriter.aad(id)),
            value.timeZone ?? null,
            value.language ?? null,
            JSON.stringify(value.attributes),
            columns.sex_token,
            columns.birth_year_token,
            columns.zip3_token,
            columns.postal_token,
            columns.state_token,
            columns.insurance_status_token,
            columns.insurance_plan_token,
            columns.provider_token,
            columns.last_visit_month_token,
            columns.next_visit_month_token,
            `{${columns.condition_tokens.join(',')}}`,
            `{${columns.attribute_tokens.join(',')}}`,
          ],
        );
      } catch (err) {
        if ((err as { code?: string }).code === '23505')
          throw new DomainError('contact_exists', 'Another contact has this e-mail', 409, [{ field: 'email', message: 'already in use' }]);
        throw err;
      }
      await tx.query(`DELETE FROM contact_identifiers WHERE contact_id = $1`, [id]);
      if (identifiers.length) {
        try {
          await tx.query(`INSERT INTO contact_identifiers (token, contact_id, kind) SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::text[])`, [
            identifiers.map((i) => i.token),
            identifiers.map(() => id),
            identifiers.map((i) => i.kind),
          ]);
        } catch (err) {
          if ((err as { code?: string }).code === '23505')
            throw new DomainError('identifier_taken', 'An identifier belongs to another contact', 409, [
              { field: 'identifiers', message: 'belongs to another contact' },
            ]);
          throw err;
        }
      }
      await this.audit.record(
        {
          actor,
          action: 'contact.updated',
          subject: { type: 'contact', id },
          details: {
            fields: Object.keys(patch)
              .filter((k) => k !== 'attributes')
              .concat(patch.attributes ? ['attributes'] : []),
          },
        },
        tx,
      );
    });
    return this.get(id);
  }

  /**
   * Erasure on request: every PHI value and token goes; the row stays as a tombstone so the
   * consent ledger (without its evidence) and the audit trail still make sense.
   */
  async erase(id: string, actor: AuditActor): Promise<MaskedContact> {
    const row = await this.row(id);
    if (row.status === 'erased') return this.mask(row);
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `UPDATE contacts SET status = 'erased', email_token = NULL, phi = NULL, attributes = '{}', sex_token = NULL, birth_year_token = NULL, zip3_token = NULL, postal_token = NULL,
                state_token = NULL, insurance_status_token = NULL, insurance_plan_token = NULL, provider_token = NULL, last_visit_month_token = NULL, next_visit_month_token = NULL,
                condition_tokens = '{}', attribute_tokens = '{}', erased_at = now(), updated_at = now() WHERE id = $1`,
        [id],
      );
      await tx.query(`DELETE FROM contact_identifiers WHERE contact_id = $1`, [id]);
      await tx.query(`UPDATE marketing_authorizations SET signature_evidence = NULL WHERE contact_id = $1`, [id]);
      await this.consent.eraseEvidence(tx, id);
      await this.audit.record({ actor, action: 'contact.erased', subject: { type: 'contact', id } }, tx);
    });
    return this.get(id);
  }

  /** Everything held about one contact, for the contact or an auditor; audited as a PHI export. */
  async exportRecord(id: string, actor: AuditActor) {
    const row = await this.row(id);
    const contact = row.status === 'active' ? { ...(await this.mask(row)), phi: await this.phiOf(row) } : await this.mask(row);
    const [consents, history, authorizations] = await Promise.all([this.consent.current(id), this.consent.history(id), this.consent.authorizations(id)]);
    const suppression = row.status === 'active' ? await this.consent.suppressionOf(tokenOf.email(this.crypto, (await this.phiOf(row)).email)) : null;
    await this.audit.record({ actor, action: 'phi.exported', subject: { type: 'contact', id }, details: { scope: 'full_record' } });
    return { exportedAt: new Date().toISOString(), contact, consents, consentHistory: history, authorizations, suppression };
  }

  /** PHI for the system's own use (rendering a message, an exact segment check): not a user reveal. */
  async phiForProcessing(id: string): Promise<ContactPhi | null> {
    const row = await this.row(id);
    return row.status === 'active' ? this.phiOf(row) : null;
  }

  /** phiForProcessing for many contacts (rendering a batch of messages); erased or missing contacts are absent. */
  async phiForProcessingMany(ids: readonly string[]): Promise<Map<string, ProcessingRecord>> {
    const rows = await this.dataSource.query<(Row & { email_token: Buffer })[]>(
      `SELECT ${ROW_COLUMNS}, email_token FROM contacts WHERE id = ANY($1::bigint[]) AND status = 'active'`,
      [ids],
    );
    const out = new Map<string, ProcessingRecord>();
    for (const row of rows) {
      out.set(row.id, { phi: await this.phiOf(row), timeZone: row.time_zone, language: row.language, attributes: row.attributes, emailToken: row.email_token });
    }
    return out;
  }

  async emailTokenOf(id: string): Promise<Buffer | null> {
    const [row] = await this.dataSource.query<[{ email_token: Buffer | null }?]>(`SELECT email_token FROM contacts WHERE id = $1`, [id]);
    return row?.email_token ?? null;
  }

  emailToken(email: string): Buffer {
    return tokenOf.email(this.crypto, normalizeEmail(email));
  }

  async count(): Promise<number> {
    const [row] = await this.dataSource.query<[{ n: number }]>(`SELECT count(*)::int AS n FROM contacts WHERE status = 'active'`);
    return row.n;
  }

  private async row(id: string): Promise<Row> {
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('contact_not_found', 'Contact not found', 404);
    const [row] = await this.dataSource.query<[Row?]>(`SELECT ${ROW_COLUMNS} FROM contacts WHERE id = $1`, [id]);
    if (!row) throw new DomainError('contact_not_found', 'Contact not found', 404);
    return row;
  }

  private async phiOf(row: Row): Promise<ContactPhi> {
    return JSON.parse((await this.crypto.decrypt(row.phi, ContactWriter.aad(row.id))).toString('utf8')) as ContactPhi;
  }

  private async mask(row: Row): Promise<MaskedContact> {
    const base = {
      id: row.id,
      status: row.status,
      timeZone: row.time_zone,
      language: row.language,
      attributes: row.attributes,
      source: row.source,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
    if (row.status !== 'active') return { ...base, emailMasked: null, initials: null, phiFields: [] };
    const phi = await this.phiOf(row);
    return { ...base, emailMasked: maskEmail(phi.email), initials: initialsOf(phi), phiFields: phiFieldsOf(phi) };
  }
}

function invalid(problems: FieldProblem[]): DomainError {
  return new DomainError('validation', problems.map((p) => `${p.field}: ${p.message}`).join('; ') || 'Invalid contact', 400, problems);
}
