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
  /** The (merged) input, kept as the JSON its PHI was sealed from plus the non-PHI fields: cheap to hold and to pass between threads. */
  phiJson: string;
  extras: Omit<ContactInput, 'phi'>;
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

export function inputOf(p: Pick<Prepared, 'phiJson' | 'extras'>): ContactInput {
  return { ...p.extras, phi: JSON.parse(p.phiJson) as ContactPhi };
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

/** A contact of the batch being prepared: where its tuples lie in the preparer's buffers, until the batch is finished. */
interface Entry extends Prepared {
  rowStart: number;
  rowEnd: number;
  identifiersStart: number;
  identifiersEnd: number;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * Prepares one batch row by row: dedupe by e-mail, tokens, PHI sealed under the contact's id, and
 * its contact and identifier rows encoded as binary COPY tuples straight away, so a row's parsed
 * objects die young (the batch holds bytes, not object graphs). `ids` are the ids new contacts
 * take, in order; the preparer needs one per distinct e-mail.
 */
export class BatchPreparer {
  private readonly contacts: TupleWriter;
  private readonly identifierTuples: TupleWriter;
  private readonly entries: Entry[] = [];
  private readonly byEmail = new Map<string, number>();
  private readonly results: WriteResult[] = [];
  private added = 0;

  constructor(
    private readonly sealer: ContactSealer,
    private readonly onExisting: ExistingPolicy,
    private readonly ids: readonly string[],
    private readonly origin: RowOrigin,
  ) {
    this.contacts = new TupleWriter(CONTACT_COPY_COLUMNS, 600 * ids.length + 1024);
    this.identifierTuples = new TupleWriter(IDENTIFIER_COPY_COLUMNS, 64 * ids.length + 1024);
  }

  /** Rows added so far, duplicates included. */
  get size(): number {
    return this.added;
  }

  add(item: WriteItem): void {
    this.added++;
    const email = item.input.phi.email;
    const at = this.byEmail.get(email);
    if (at === undefined) {
      const id = this.ids.at(this.entries.length);
      if (id === undefined) throw new Error(`more distinct contacts than the ${this.ids.length} ids reserved for the batch`);
      this.byEmail.set(email, this.entries.length);
      this.entries.push(this.encode(item.input, [item.ref], id));
    } else if (this.onExisting === 'update') {
      // Same e-mail twice in one batch: the later row merges into the first, encoded again under its id.
      const first = this.entries[at];
      this.entries[at] = this.encode(mergeInput(inputOf(first), item.input), [...first.refs, item.ref], first.id);
    } else this.results.push({ ref: item.ref, status: 'skipped', id: '', reason: 'duplicate e-mail earlier in the same batch' });
  }

  finish(): PreparedBatch {
    const contacts = this.contacts.finish();
    const identifiers = this.identifierTuples.finish();
    for (const e of this.entries) {
      e.contactRow = contacts.subarray(e.rowStart, e.rowEnd);
      e.identifierRows = identifiers.subarray(e.identifiersStart, e.identifiersEnd);
    }
    return { prepared: this.entries, results: this.results };
  }

  private encode(input: ContactInput, refs: number[], id: string): Entry {
    const { columns, identifiers } = contactTokens(this.sealer, input);
    const phiJson = JSON.stringify(input.phi);
    const rowStart = this.contacts.length;
    this.contacts.row([
      id,
      columns.email_token,
      this.sealer.encrypt('phi', phiJson, contactAad(id)),
      input.timeZone ?? null,
      input.language ?? null,
      JSON.stringify(input.attributes),
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
      columns.condition_tokens,
      columns.attribute_tokens,
      this.origin.source,
      this.origin.importId,
    ]);
    const identifierStart = this.identifierTuples.length;
    for (const identifier of identifiers) this.identifierTuples.row([identifier.token, id, identifier.kind]);
    const { phi: _phi, ...extras } = input;
    return {
      refs,
      id,
      emailToken: columns.email_token,
      identifiers,
      phiJson,
      extras,
      contactRow: NO_BYTES,
      identifierRows: NO_BYTES,
      rowStart,
      rowEnd: this.contacts.length,
      identifiersStart: identifierStart,
      identifiersEnd: this.identifierTuples.length,
    };
  }
}

/** Dedupes, tokenises and seals a batch on this thread; `reserveIds(n)` hands out the ids new contacts will take. */
export async function prepareContacts(
  sealer: ContactSealer,
  items: WriteItem[],
  onExisting: ExistingPolicy,
  reserveIds: (n: number) => Promise<string[]> | string[],
  origin: RowOrigin,
): Promise<PreparedBatch> {
  const distinct = new Set(items.map((i) => i.input.phi.email)).size;
  const preparer = new BatchPreparer(sealer, onExisting, distinct ? await reserveIds(distinct) : [], origin);
  let n = 0;
  for (const item of items) {
    if (++n % YIELD_EVERY === 0) await yieldToIo();
    preparer.add(item);
  }
  return preparer.finish();
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
