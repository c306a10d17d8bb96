import { nextIds } from '../../platform/database/index.js';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { copyTuples } from '../../platform/database/copy.js';
import { CryptoService } from '../crypto/index.js';
import type { AttributeValue, ContactInput, ContactPhi } from './contact-input.js';
import {
  CONTACT_COPY_COLUMNS,
  contactAad,
  type ExistingPolicy,
  IDENTIFIER_COPY_COLUMNS,
  inputOf,
  mergeInput,
  type Prepared,
  type PreparedBatch,
  prepareContacts,
  stableJson,
  TOKEN_COLUMNS,
  type WriteItem,
  type WriteResult,
} from './contact-prepare.js';
import { contactTokens, type ContactTokenColumns, type IdentifierToken } from './contact-tokens.js';

export type { ExistingPolicy, PreparedBatch, WriteItem, WriteResult } from './contact-prepare.js';
export { uniqueKeysOf } from './contact-prepare.js';

export interface WriteOptions {
  onExisting: ExistingPolicy;
  source: string;
  importId?: string | null;
  /** Try the batch as all new first: COPY without look-ups, falling back to them on a unique violation. */
  expectNew?: boolean;
}

export interface StoredRow {
  id: string;
  phi: Buffer;
  time_zone: string | null;
  language: string | null;
  attributes: Record<string, AttributeValue>;
}

export const STORED_COLUMNS = 'id::text AS id, phi, time_zone, language, attributes';

/** A contact being updated (or inserted the slow way), with its tokens worked out again on this thread. */
interface TokenisedContact {
  id: string;
  refs: number[];
  input: ContactInput;
  columns: ContactTokenColumns;
  identifiers: IdentifierToken[];
}

/** The 32-byte tokens packed in one bytea parameter, as a bytea[] for `= ANY(…)`. */
const SPLIT_TOKENS = (param: string) => `ARRAY(SELECT substring(${param}::bytea FROM i FOR 32) FROM generate_series(1, length(${param}::bytea), 32) AS i)`;

/**
 * Writes validated contacts in batches: one look-up of existing e-mails, one insert and one
 * update per batch, PHI packed into one ciphertext per contact. Shared by the bulk API and the
 * CSV importer, so both follow the same dedupe and merge rules.
 */
@Injectable()
export class ContactWriter {
  constructor(private readonly crypto: CryptoService) {}

  static aad(id: string): string {
    return contactAad(id);
  }

  async write(tx: EntityManager, items: WriteItem[], options: WriteOptions): Promise<WriteResult[]> {
    return this.writePrepared(tx, await this.prepare(tx, items, options), options);
  }

  /**
   * The CPU part of a batch, outside its transaction: dedupe, tokens, and the rows of new contacts
   * sealed under reserved ids. The importer does the same in its worker thread.
   */
  prepare(db: EntityManager, items: WriteItem[], options: WriteOptions): Promise<PreparedBatch> {
    return prepareContacts(this.crypto, items, options.onExisting, async (n) => await nextIds(db, 'contacts_id_seq', n), {
      source: options.source,
      importId: options.importId ?? null,
    });
  }

  async writePrepared(tx: EntityManager, batch: PreparedBatch, options: WriteOptions): Promise<WriteResult[]> {
    const results: WriteResult[] = [...batch.results];
    const prepared = batch.prepared;
    if (prepared.length === 0) return results;
    if (options.expectNew && (await this.copyNew(tx, prepared))) {
      for (const p of prepared) p.refs.forEach((ref, n) => results.push({ ref, status: n === 0 ? 'created' : 'updated', id: p.id }));
      return results.sort((a, b) => a.ref - b.ref);
    }

    // Tokens go as one binary parameter each, cut into 32-byte values by Postgres: a bytea[] would be
    // sent as text, hex-encoded twice over.
    const existing = new Map<string, StoredRow>();
    const found = await tx.query<(StoredRow & { email_token: Buffer })[]>(
      `SELECT ${STORED_COLUMNS}, email_token FROM contacts WHERE email_token = ANY(${SPLIT_TOKENS('$1')}) FOR UPDATE`,
      [Buffer.concat(prepared.map((p) => p.emailToken))],
    );
    for (const row of found) existing.set(row.email_token.toString('latin1'), row);

    // An identifier (MRN, member id) already held by another contact is a conflict to report, not to steal.
    const identifierOwners = new Map<string, string>();
    const allIdentifierTokens = prepared.flatMap((p) => p.identifiers.map((i) => i.token));
    if (allIdentifierTokens.length) {
      const owners = await tx.query<{ token: Buffer; contact_id: string }[]>(
        `SELECT token, contact_id::text AS contact_id FROM contact_identifiers WHERE token = ANY(${SPLIT_TOKENS('$1')})`,
        [Buffer.concat(allIdentifierTokens)],
      );
      for (const o of owners) identifierOwners.set(o.token.toString('latin1'), o.contact_id);
    }

    const inserts: Prepared[] = [];
    const updates: { p: Prepared; stored: StoredRow }[] = [];
    for (const p of prepared) {
      const current = existing.size ? existing.get(p.emailToken.toString('latin1')) : undefined;
      const conflict = identifierOwners.size
        ? p.identifiers.find((i) => {
            const owner = identifierOwners.get(i.token.toString('latin1'));
            return owner !== undefined && owner !== current?.id;
          })
        : undefined;
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
      const inserted = await this.insertRows(tx, inserts, options);
      const raced: { p: Prepared; stored: StoredRow }[] = [];
      for (const p of inserts) {
        if (inserted.ids.has(p.id)) {
          p.refs.forEach((ref, n) => results.push({ ref, status: n === 0 ? 'created' : 'updated', id: p.id }));
        } else {
          // Another writer inserted the same e-mail meanwhile: treat it as existing.
          const [row] = await tx.query<[StoredRow?]>(`SELECT ${STORED_COLUMNS} FROM contacts WHERE email_token = $1 FOR UPDATE`, [p.emailToken]);
          if (row && options.onExisting === 'update') raced.push({ p, stored: row });
          else for (const ref of p.refs) results.push({ ref, status: 'skipped', id: row?.id ?? '', reason: 'a contact with this e-mail exists' });
        }
      }
      updates.push(...raced);
      if (!inserted.copied) {
        await this.replaceIdentifiers(
          tx,
          inserts.filter((p) => inserted.ids.has(p.id)).map((p) => ({ id: p.id, identifiers: p.identifiers })),
        );
      }
    }

    if (updates.length) {
      const merged: TokenisedContact[] = [];
      for (const u of updates) {
        const before = await this.stored(u.stored);
        const input = mergeInput(before, inputOf(u.p));
        // Nothing new (a re-run of the same file): no write, so a re-import changes nothing.
        if (stableJson(input) === stableJson(before)) for (const ref of u.p.refs) results.push({ ref, status: 'unchanged', id: u.stored.id });
        else merged.push({ id: u.stored.id, refs: u.p.refs, input, ...contactTokens(this.crypto, input) });
      }
      await this.updateRows(tx, merged, options);
      await this.replaceIdentifiers(tx, merged);
      for (const m of merged) for (const ref of m.refs) results.push({ ref, status: 'updated', id: m.id });
    }
    return results.sort((a, b) => a.ref - b.ref);
  }

  /** The stored contact as an input, for merging. */
  async stored(row: StoredRow): Promise<ContactInput> {
    const phi = JSON.parse((await this.crypto.decrypt(row.phi, ContactWriter.aad(row.id))).toString('utf8')) as ContactPhi;
    return { phi, timeZone: row.time_zone ?? undefined, language: row.language ?? undefined, attributes: row.attributes };
  }

  /**
   * The prepared rows of new contacts and their identifiers by COPY, inside a savepoint: false, with
   * nothing written, when an e-mail or identifier turns out to be taken (a unique violation).
   */
  private async copyNew(tx: EntityManager, rows: Prepared[]): Promise<boolean> {
    await tx.query('SAVEPOINT contacts_copy');
    try {
      await copyTuples(
        tx,
        'contacts',
        CONTACT_COPY_COLUMNS.map((c) => c.name),
        rows.map((p) => p.contactRow),
      );
      await copyTuples(
        tx,
        'contact_identifiers',
        IDENTIFIER_COPY_COLUMNS.map((c) => c.name),
        rows.filter((p) => p.identifierRows.length).map((p) => p.identifierRows),
      );
      await tx.query('RELEASE SAVEPOINT contacts_copy');
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      await tx.query('ROLLBACK TO SAVEPOINT contacts_copy');
      return false;
    }
  }

  /**
   * New contacts with their identifiers: their prepared rows by COPY when nobody raced us to an
   * e-mail (the usual case), else INSERT … ON CONFLICT DO NOTHING to learn which rows went in.
   */
  private async insertRows(tx: EntityManager, rows: Prepared[], options: WriteOptions): Promise<{ ids: Set<string>; copied: boolean }> {
    if (await this.copyNew(tx, rows)) return { ids: new Set(rows.map((p) => p.id)), copied: true };
    const contacts = rows.map((p) => {
      const input = inputOf(p);
      return { id: p.id, refs: p.refs, input, ...contactTokens(this.crypto, input) };
    });
    const params: unknown[] = [
      contacts.map((c) => c.id),
      contacts.map((c) => c.columns.email_token),
      contacts.map((c) => this.crypto.encrypt('phi', JSON.stringify(c.input.phi), ContactWriter.aad(c.id))),
      contacts.map((c) => c.input.timeZone ?? null),
      contacts.map((c) => c.input.language ?? null),
      contacts.map((c) => JSON.stringify(c.input.attributes)),
      ...TOKEN_COLUMNS.map((col) => contacts.map((c) => c.columns[col])),
      contacts.map((c) => `{${c.columns.condition_tokens.join(',')}}`),
      contacts.map((c) => `{${c.columns.attribute_tokens.join(',')}}`),
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

  private async updateRows(tx: EntityManager, rows: TokenisedContact[], options: WriteOptions): Promise<void> {
    if (!rows.length) return;
    const params: unknown[] = [
      rows.map((r) => r.id),
      rows.map((r) => this.crypto.encrypt('phi', JSON.stringify(r.input.phi), ContactWriter.aad(r.id))),
      rows.map((r) => r.input.timeZone ?? null),
      rows.map((r) => r.input.language ?? null),
      rows.map((r) => JSON.stringify(r.input.attributes)),
      ...TOKEN_COLUMNS.map((c) => rows.map((r) => r.columns[c])),
      rows.map((r) => `{${r.columns.condition_tokens.join(',')}}`),
      rows.map((r) => `{${r.columns.attribute_tokens.join(',')}}`),
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
