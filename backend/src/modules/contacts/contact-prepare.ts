import { type CopyColumn, TupleWriter } from '../../platform/database/copy.js';
import type { FieldProblem } from '../../platform/errors/index.js';
import type { ContactSealer } from '../crypto/sealing.js';
import type { ContactInput, ContactPhi } from './contact-input.js';
import { contactTokens, type IdentifierToken } from './contact-tokens.js';

/*
 * The CPU half of writing contacts, free of the database and of Nest: dedupe within a batch, blind-index
 * tokens, and each contact's PHI sealed under its reserved id. The writer runs it on the main thread
 * for API calls; the importer runs it in a worker thread (import-worker.ts).
 */

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

/** One contact of a batch, ready to be written. */
export interface Prepared {
  refs: number[];
  /** The id reserved for it, taken if it turns out to be new. */
  id: string;
  emailToken: Buffer;
  identifiers: IdentifierToken[];
  /** The (merged) input: an object on the thread that prepared it, JSON text once it crossed to another. */
  input: ContactInput | string;
  /** Its contact row and identifier rows as binary COPY tuples under `id`, PHI sealed: written as they are when it is new. */
  contactRow: Buffer;
  identifierRows: Buffer;
}

/** Where contact rows come from (the `source` and `import_id` columns). */
export interface RowOrigin {
  source: string;
  importId: string | null;
}

export const TOKEN_COLUMNS = [
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

export const CONTACT_COPY_COLUMNS: CopyColumn[] = [
  { name: 'id', type: 'int8' },
  { name: 'email_token', type: 'bytea' },
  { name: 'phi', type: 'bytea' },
  { name: 'time_zone', type: 'text' },
  { name: 'language', type: 'text' },
  { name: 'attributes', type: 'jsonb' },
  ...TOKEN_COLUMNS.map((name) => ({ name, type: 'int8' as const })),
  { name: 'condition_tokens', type: 'int8[]' },
  { name: 'attribute_tokens', type: 'int8[]' },
  { name: 'source', type: 'text' },
  { name: 'import_id', type: 'int8' },
];

export const IDENTIFIER_COPY_COLUMNS: CopyColumn[] = [
  { name: 'token', type: 'bytea' },
  { name: 'contact_id', type: 'int8' },
  { name: 'kind', type: 'text' },
];

export function inputOf(p: Prepared): ContactInput {
  if (typeof p.input === 'string') p.input = JSON.parse(p.input) as ContactInput;
  return p.input;
}

export interface PreparedBatch {
  prepared: Prepared[];
  results: WriteResult[];
}

/** The associated data of a contact's PHI ciphertext (CryptoService.aad('contacts', 'phi', id)). */
export function contactAad(id: string): string {
  return `contacts.phi:${id}`;
}

/**
 * The unique keys a prepared batch writes under (e-mail and identifier tokens). Two batches whose
 * keys are disjoint can be written by concurrent transactions without waiting on each other's rows.
 * A key is a token's first 8 bytes: a collision only makes two batches wait for each other.
 */
export function uniqueKeysOf(batch: PreparedBatch): Set<string> {
  const keys = new Set<string>();
  for (const p of batch.prepared) {
    keys.add(p.emailToken.toString('latin1', 0, 8));
    for (const i of p.identifiers) keys.add(i.token.toString('latin1', 0, 8));
  }
  return keys;
}

/**
 * Rows prepared between two turns of the event loop. Preparing a whole batch in one go (~50 ms of
 * CPU) held up the replies of the batch being written meanwhile, so Postgres sat idle.
 */
const YIELD_EVERY = 200;
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Dedupes, tokenises and seals a batch; `reserveIds(n)` hands out the ids new contacts will take. */
export async function prepareContacts(
  sealer: ContactSealer,
  items: WriteItem[],
  onExisting: ExistingPolicy,
  reserveIds: (n: number) => Promise<string[]> | string[],
  origin: RowOrigin,
): Promise<PreparedBatch> {
  const results: WriteResult[] = [];
  // Same e-mail twice in one batch: later rows merge into the first (update) or are skipped.
  const byEmail = new Map<string, { refs: number[]; input: ContactInput }>();
  let n = 0;
  for (const item of items) {
    if (++n % YIELD_EVERY === 0) await yieldToIo();
    const prior = byEmail.get(item.input.phi.email);
    if (!prior) byEmail.set(item.input.phi.email, { refs: [item.ref], input: item.input });
    else if (onExisting === 'update') {
      prior.refs.push(item.ref);
      prior.input = mergeInput(prior.input, item.input);
    } else results.push({ ref: item.ref, status: 'skipped', id: '', reason: 'duplicate e-mail earlier in the same batch' });
  }
  const unique = [...byEmail.values()];
  const ids = unique.length ? await reserveIds(unique.length) : [];
  if (ids.length < unique.length) throw new Error(`${unique.length} contact ids needed, ${ids.length} reserved`);
  const contactRows = new TupleWriter(CONTACT_COPY_COLUMNS, 600 * unique.length + 1024);
  const identifierRows = new TupleWriter(IDENTIFIER_COPY_COLUMNS, 64 * unique.length + 1024);
  const identifierEnds: number[] = [];
  const prepared: Omit<Prepared, 'contactRow' | 'identifierRows'>[] = [];
  for (const [i, { refs, input }] of unique.entries()) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToIo();
    const id = ids[i];
    const { columns, identifiers } = contactTokens(sealer, input);
    contactRows.row([
      id,
      columns.email_token,
      sealer.encrypt('phi', JSON.stringify(input.phi), contactAad(id)),
      input.timeZone ?? null,
      input.language ?? null,
      JSON.stringify(input.attributes),
      ...TOKEN_COLUMNS.map((c) => columns[c]),
      columns.condition_tokens,
      columns.attribute_tokens,
      origin.source,
      origin.importId,
    ]);
    for (const identifier of identifiers) identifierRows.row([identifier.token, id, identifier.kind]);
    identifierEnds.push(identifierRows.offsets.length - 1);
    prepared.push({ refs, id, emailToken: columns.email_token, identifiers, input });
  }
  const contactBytes = contactRows.finish();
  const identifierBytes = identifierRows.finish();
  let identifierStart = 0;
  return {
    prepared: prepared.map((p, i) => {
      const from = identifierRows.offsets[identifierStart];
      const to = identifierRows.offsets[identifierEnds[i]];
      identifierStart = identifierEnds[i];
      return {
        ...p,
        contactRow: contactBytes.subarray(contactRows.offsets[i], contactRows.offsets[i + 1]),
        identifierRows: identifierBytes.subarray(from, to),
      };
    }),
    results,
  };
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

export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
    .join(',')}}`;
}
