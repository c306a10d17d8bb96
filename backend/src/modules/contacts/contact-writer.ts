import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { FieldProblem } from '../../platform/errors/index.js';
import { copyRows } from '../../platform/database/copy.js';
import { CryptoService } from '../crypto/index.js';
import type { AttributeValue, ContactInput, ContactPhi } from './contact-input.js';
import { contactTokens, type ContactTokenColumns, type IdentifierToken } from './contact-tokens.js';

export type ExistingPolicy = 'update' | 'skip';

export interface WriteItem {
  /** Caller's position (API array index or CSV row number), echoed in the result. */
  ref: number;
  input: ContactInput;
}

export type WriteResult =
  | { ref: number; status: 'created' | 'updated'; id: string }
  | { ref: number; status: 'skipped'; id: string; reason: string }
  | { ref: number; status: 'unchanged'; id: string }
  | { ref: number; status: 'error'; errors: FieldProblem[] };

export interface WriteOptions {
  onExisting: ExistingPolicy;
  source: string;
  importId?: string | null;
}

export interface StoredRow {
  id: string;
  phi: Buffer;
  time_zone: string | null;
  language: string | null;
  attributes: Record<string, AttributeValue>;
}

export const STORED_COLUMNS = 'id::text AS id, phi, time_zone, language, attributes';

interface Prepared {
  refs: number[];
  input: ContactInput;
  tokens: { columns: ContactTokenColumns; identifiers: IdentifierToken[] };
  emailKey: string;
  /** Reserved id and ciphertext, used when the contact turns out to be new. */
  id: string;
  sealed: Buffer;
}

export interface PreparedBatch {
  prepared: Prepared[];
  results: WriteResult[];
}

/**
 * The unique keys a prepared batch writes under (e-mail and identifier tokens). Two batches whose
 * keys are disjoint can be written by concurrent transactions without waiting on each other's rows.
 */
export function uniqueKeysOf(batch: PreparedBatch): Set<string> {
  const keys = new Set<string>();
  for (const p of batch.prepared) {
    keys.add(p.tokens.columns.email_token.toString('hex'));
    for (const i of p.tokens.identifiers) keys.add(i.token.toString('hex'));
  }
  return keys;
}

const TOKEN_COLUMNS = [
  'sex_token',
  'birth_year_token',
  'zip3_token',
  'postal_token',
  'state_token',
  'insurance_status_token',
  'insurance_plan_token',
  'provider_token',
  'last_visit_month_token',
  'next_visit_month_token',
] as const;

/**
 * Rows prepared between two turns of the event loop. Preparing a whole batch in one go (~50 ms of
 * CPU) held up the replies of the batch being written meanwhile, so Postgres sat idle.
 */
const YIELD_EVERY = 200;
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Writes validated contacts in batches: one look-up of existing e-mails, one insert and one
 * update per batch, PHI packed into one ciphertext per contact. Shared by the bulk API and the
 * CSV importer, so both follow the same dedupe and merge rules.
 */
@Injectable()
export class ContactWriter {
  constructor(private readonly crypto: CryptoService) {}

  static aad(id: string): string {
    return CryptoService.aad('contacts', 'phi', id);
  }

  async write(tx: EntityManager, items: WriteItem[], options: WriteOptions): Promise<WriteResult[]> {
    return this.writePrepared(tx, await this.prepare(tx, items, options), options);
  }

  /**
   * The CPU part of a batch, outside its transaction: dedupe, tokens, and the ciphertexts of the
   * rows as new contacts under reserved ids. An importer prepares batch N+1 while batch N is written.
   */
  async prepare(db: EntityManager, items: WriteItem[], options: WriteOptions): Promise<PreparedBatch> {
    const results: WriteResult[] = [];
    // Same e-mail twice in one batch: later rows merge into the first (update) or are skipped.
    const byEmail = new Map<string, Prepared>();
    let n = 0;
    for (const item of items) {
      if (++n % YIELD_EVERY === 0) await yieldToIo();
      const key = item.input.phi.email;
      const prior = byEmail.get(key);
      if (!prior) {
        byEmail.set(key, {
          refs: [item.ref],
          input: item.input,
          tokens: contactTokens(this.crypto, item.input),
          emailKey: key,
          id: '',
          sealed: Buffer.alloc(0),
        });
      } else if (options.onExisting === 'update') {
        prior.refs.push(item.ref);
        prior.input = mergeInput(prior.input, item.input);
        prior.tokens = contactTokens(this.crypto, prior.input);
      } else {
        results.push({ ref: item.ref, status: 'skipped', id: '', reason: 'duplicate e-mail earlier in the same batch' });
      }
    }
    const prepared = [...byEmail.values()];
    const ids = prepared.length
      ? (await db.query<{ id: string }[]>(`SELECT nextval('contacts_id_seq')::text AS id FROM generate_series(1, $1)`, [prepared.length])).map((r) => r.id)
      : [];
    for (const [i, p] of prepared.entries()) {
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToIo();
      p.id = ids[i];
      p.sealed = this.crypto.encrypt('phi', JSON.stringify(p.input.phi), ContactWriter.aad(ids[i]));
    }
    return { prepared, results };
  }

  async writePrepared(tx: EntityManager, batch: PreparedBatch, options: WriteOptions): Promise<WriteResult[]> {
    const results: WriteResult[] = [...batch.results];
    const prepared = batch.prepared;
    if (prepared.length === 0) return results;

    const existing = new Map<string, StoredRow>();
    const found = await tx.query<(StoredRow & { email_token: Buffer })[]>(
      `SELECT ${STORED_COLUMNS}, email_token FROM contacts WHERE email_token = ANY($1::bytea[]) FOR UPDATE`,
      [prepared.map((p) => p.tokens.columns.email_token)],
    );
    for (const row of found) existing.set(row.email_token.toString('hex'), row);

    // An identifier (MRN, member id) already held by another contact is a conflict to report, not to steal.
    const identifierOwners = new Map<string, string>();
    const allIdentifierTokens = prepared.flatMap((p) => p.tokens.identifiers.map((i) => i.token));
    if (allIdentifierTokens.length) {
      const owners = await tx.query<{ token: Buffer; contact_id: string }[]>(
        `SELECT token, contact_id::text AS contact_id FROM contact_identifiers WHERE token = ANY($1::bytea[])`,
        [allIdentifierTokens],
      );
      for (const o of owners) identifierOwners.set(o.token.toString('hex'), o.contact_id);
    }

    const inserts: Prepared[] = [];
    const updates: { p: Prepared; stored: StoredRow }[] = [];
    for (const p of prepared) {
      const current = existing.get(p.tokens.columns.email_token.toString('hex'));
      const conflict = p.tokens.identifiers.find((i) => {
        const owner = identifierOwners.get(i.token.toString('hex'));
        return owner !== undefined && owner !== current?.id;
      });
      if (conflict) {
        for (const ref of p.refs)
          results.push({
            ref,
            status: 'error',
            errors: [{ field: 'identifiers', message: `this ${conflict.kind} identifier already belongs to another contact` }],
          });
        continue;
      }
      if (!current) inserts.push(p);
      else if (options.onExisting === 'skip')
        for (const ref of p.refs) results.push({ ref, status: 'skipped', id: current.id, reason: 'a contact with this e-mail exists' });
      else updates.push({ p, stored: current });
    }

    if (inserts.length) {
      const ids = inserts.map((p) => p.id);
      const inserted = await this.insertRows(tx, inserts, options);
      const raced: { p: Prepared; stored: StoredRow }[] = [];
      for (const [i, p] of inserts.entries()) {
        if (inserted.ids.has(ids[i])) {
          p.refs.forEach((ref, n) => results.push({ ref, status: n === 0 ? 'created' : 'updated', id: ids[i] }));
        } else {
          // Another writer inserted the same e-mail meanwhile: treat it as existing.
          const [row] = await tx.query<[StoredRow?]>(`SELECT ${STORED_COLUMNS} FROM contacts WHERE email_token = $1 FOR UPDATE`, [
            p.tokens.columns.email_token,
          ]);
          if (row && options.onExisting === 'update') raced.push({ p, stored: row });
          else for (const ref of p.refs) results.push({ ref, status: 'skipped', id: row?.id ?? '', reason: 'a contact with this e-mail exists' });
        }
      }
      updates.push(...raced);
      if (!inserted.copied) {
        await this.replaceIdentifiers(
          tx,
          inserts.filter((p) => inserted.ids.has(p.id)).map((p) => ({ id: p.id, identifiers: p.tokens.identifiers })),
        );
      }
    }

    if (updates.length) {
      const merged: { p: Prepared; id: string }[] = [];
      for (const u of updates) {
        const before = await this.stored(u.stored);
        const input = mergeInput(before, u.p.input);
        // Nothing new (a re-run of the same file): no write, so a re-import changes nothing.
        if (stableJson(input) === stableJson(before)) for (const ref of u.p.refs) results.push({ ref, status: 'unchanged', id: u.stored.id });
        else merged.push({ p: { ...u.p, input, tokens: contactTokens(this.crypto, input) }, id: u.stored.id });
      }
      await this.updateRows(tx, merged, options);
      await this.replaceIdentifiers(
        tx,
        merged.map((m) => ({ id: m.id, identifiers: m.p.tokens.identifiers })),
      );
      for (const m of merged) for (const ref of m.p.refs) results.push({ ref, status: 'updated', id: m.id });
    }
    return results.sort((a, b) => a.ref - b.ref);
  }

  /** The stored contact as an input, for merging. */
  async stored(row: StoredRow): Promise<ContactInput> {
    const phi = JSON.parse((await this.crypto.decrypt(row.phi, ContactWriter.aad(row.id))).toString('utf8')) as ContactPhi;
    return { phi, timeZone: row.time_zone ?? undefined, language: row.language ?? undefined, attributes: row.attributes };
  }

  /**
   * New contacts with their identifiers: COPY when nobody raced us to an e-mail (the usual case),
   * else INSERT … ON CONFLICT DO NOTHING to learn which rows went in.
   */
  private async insertRows(tx: EntityManager, rows: Prepared[], options: WriteOptions): Promise<{ ids: Set<string>; copied: boolean }> {
    await tx.query('SAVEPOINT contacts_copy');
    try {
      await copyRows(
        tx,
        'contacts',
        ['id', 'email_token', 'phi', 'time_zone', 'language', 'attributes', ...TOKEN_COLUMNS, 'condition_tokens', 'attribute_tokens', 'source', 'import_id'],
        rows.map((p) => [
          p.id,
          p.tokens.columns.email_token,
          p.sealed,
          p.input.timeZone ?? null,
          p.input.language ?? null,
          JSON.stringify(p.input.attributes),
          ...TOKEN_COLUMNS.map((c) => p.tokens.columns[c]),
          `{${p.tokens.columns.condition_tokens.join(',')}}`,
          `{${p.tokens.columns.attribute_tokens.join(',')}}`,
          options.source,
          options.importId ?? null,
        ]),
      );
      await copyRows(
        tx,
        'contact_identifiers',
        ['token', 'contact_id', 'kind'],
        rows.flatMap((p) => p.tokens.identifiers.map((i) => [i.token, p.id, i.kind])),
      );
      await tx.query('RELEASE SAVEPOINT contacts_copy');
      return { ids: new Set(rows.map((p) => p.id)), copied: true };
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      await tx.query('ROLLBACK TO SAVEPOINT contacts_copy');
    }
    const ids = rows.map((p) => p.id);
    const phi = rows.map((p) => p.sealed);
    const params: unknown[] = [
      ids,
      rows.map((p) => p.tokens.columns.email_token),
      phi,
      rows.map((p) => p.input.timeZone ?? null),
      rows.map((p) => p.input.language ?? null),
      rows.map((p) => JSON.stringify(p.input.attributes)),
      ...TOKEN_COLUMNS.map((c) => rows.map((p) => p.tokens.columns[c])),
      rows.map((p) => `{${p.tokens.columns.condition_tokens.join(',')}}`),
      rows.map((p) => `{${p.tokens.columns.attribute_tokens.join(',')}}`),
    ];
    const n = params.length;
    const inserted = await tx.query<{ id: string }[]>(
      `INSERT INTO contacts (id, email_token, phi, time_zone, language, attributes, ${TOKEN_COLUMNS.join(', ')}, condition_tokens, attribute_tokens, source, import_id)
       SELECT v.id, v.email_token, v.phi, v.time_zone, v.language, v.attributes::jsonb, ${TOKEN_COLUMNS.map((c) => `v.${c}`).join(', ')}, v.cond::bigint[], v.attr::bigint[], $${n + 1}, $${n + 2}::bigint
         FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::text[], $6::text[], ${TOKEN_COLUMNS.map((_, i) => `$${7 + i}::bigint[]`).join(', ')}, $${n - 1}::text[], $${n}::text[])
           AS v(id, email_token, phi, time_zone, language, attributes, ${TOKEN_COLUMNS.join(', ')}, cond, attr)
       ON CONFLICT (email_token) DO NOTHING
       RETURNING id::text AS id`,
      [...params, options.source, options.importId ?? null],
    );
    return { ids: new Set(inserted.map((r) => r.id)), copied: false };
  }

  private async updateRows(tx: EntityManager, rows: { p: Prepared; id: string }[], options: WriteOptions): Promise<void> {
    const params: unknown[] = [
      rows.map((r) => r.id),
      rows.map((r) => this.crypto.encrypt('phi', JSON.stringify(r.p.input.phi), ContactWriter.aad(r.id))),
      rows.map((r) => r.p.input.timeZone ?? null),
      rows.map((r) => r.p.input.language ?? null),
      rows.map((r) => JSON.stringify(r.p.input.attributes)),
      ...TOKEN_COLUMNS.map((c) => rows.map((r) => r.p.tokens.columns[c])),
      rows.map((r) => `{${r.p.tokens.columns.condition_tokens.join(',')}}`),
      rows.map((r) => `{${r.p.tokens.columns.attribute_tokens.join(',')}}`),
    ];
    const n = params.length;
    await tx.query(
      `UPDATE contacts AS c SET phi = v.phi,
              time_zone = COALESCE(v.time_zone, c.time_zone),
              language = COALESCE(v.language, c.language),
              attributes = v.attributes::jsonb,
              ${TOKEN_COLUMNS.map((col) => `${col} = v.${col}`).join(', ')},
              condition_tokens = v.cond::bigint[], attribute_tokens = v.attr::bigint[],
              updated_at = now(), import_id = COALESCE($${n + 1}::bigint, c.import_id)
         FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::text[], $5::text[], ${TOKEN_COLUMNS.map((_, i) => `$${6 + i}::bigint[]`).join(', ')}, $${n - 1}::text[], $${n}::text[])
           AS v(id, phi, time_zone, language, attributes, ${TOKEN_COLUMNS.join(', ')}, cond, attr)
        WHERE c.id = v.id`,
      [...params, options.importId ?? null],
    );
  }

  private async replaceIdentifiers(tx: EntityManager, rows: { id: string; identifiers: IdentifierToken[] }[]): Promise<void> {
    const withIds = rows.filter((r) => r.identifiers.length);
    if (!withIds.length) return;
    await tx.query(`DELETE FROM contact_identifiers WHERE contact_id = ANY($1::bigint[])`, [withIds.map((r) => r.id)]);
    const flat = withIds.flatMap((r) => r.identifiers.map((i) => ({ id: r.id, ...i })));
    await tx.query(
      `INSERT INTO contact_identifiers (token, contact_id, kind) SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::text[]) ON CONFLICT (token) DO NOTHING`,
      [flat.map((f) => f.token), flat.map((f) => f.id), flat.map((f) => f.kind)],
    );
  }
}

/** Fields present in `next` win; lists of identifiers and conditions are unioned; absent fields are kept. */
export function mergeInput(prev: ContactInput, next: ContactInput): ContactInput {
  const phi: ContactPhi = { ...prev.phi };
  for (const [key, value] of Object.entries(next.phi) as [keyof ContactPhi, unknown][]) {
    if (value === undefined) continue;
    if (key === 'identifiers') {
      const all = [...(prev.phi.identifiers ?? []), ...(next.phi.identifiers ?? [])];
      phi.identifiers = [...new Map(all.map((i) => [`${i.system.toLowerCase()}|${i.value}`, i])).values()];
    } else if (key === 'conditions') {
      const all = [...(prev.phi.conditions ?? []), ...(next.phi.conditions ?? [])];
      phi.conditions = [...new Map(all.map((c) => [`${c.system}|${c.code}`, c])).values()];
    } else if (key === 'attributes') {
      phi.attributes = { ...prev.phi.attributes, ...next.phi.attributes };
    } else {
      (phi as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return {
    phi,
    timeZone: next.timeZone ?? prev.timeZone,
    language: next.language ?? prev.language,
    attributes: { ...prev.attributes, ...next.attributes },
  };
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
    .join(',')}}`;
}
