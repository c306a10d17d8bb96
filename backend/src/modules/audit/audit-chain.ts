import { createHash } from 'node:crypto';

export const GENESIS_HASH: Buffer = Buffer.alloc(32);

export interface ChainFields {
  id: number;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

/** JSON with object keys sorted at every depth: one byte sequence per value, whatever the insertion order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 over the previous row's hash and this row's canonical serialisation. */
export function chainHash(prevHash: Buffer, row: ChainFields): Buffer {
  const canonical = canonicalJson({
    id: row.id,
    occurredAt: row.occurredAt.toISOString(),
    actorType: row.actorType,
    actorId: row.actorId,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    outcome: row.outcome,
    ip: row.ip,
    userAgent: row.userAgent,
    details: row.details,
  });
  return createHash('sha256').update(prevHash).update(canonical).digest();
}

export interface ChainProblem {
  id: number;
  /** `anchor`: the anchor verification starts from does not hold (forged, rows left behind it, or never recorded by a purge). */
  kind: 'changed' | 'broken_link' | 'anchor';
  message: string;
}

/** Where the entries before a purge ended: the last purged entry's id and hash (a row of `audit_anchors`). */
export interface ChainAnchor {
  throughId: number;
  hash: Buffer;
}

export const PURGE_ACTION = 'audit.purged';

/** Walks rows in id order and says which row breaks the chain and how. */
export function verifyChain(rows: (ChainFields & { prevHash: Buffer; hash: Buffer })[], startPrev = GENESIS_HASH): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let prev: Buffer = startPrev;
  for (const row of rows) {
    if (!row.prevHash.equals(prev)) {
      problems.push({
        id: row.id,
        kind: 'broken_link',
        message: `row ${row.id} does not follow the row before it: a row was removed, inserted or changed before it`,
      });
    }
    if (!chainHash(row.prevHash, row).equals(row.hash)) {
      problems.push({ id: row.id, kind: 'changed', message: `row ${row.id} was changed after it was written` });
    }
    prev = row.hash;
  }
  return problems;
}

type ChainRow = ChainFields & { prevHash: Buffer; hash: Buffer };

/** The chained entry a purge writes for its anchor, in the same transaction: an anchor no such entry names was not written by a purge. */
export function recordsAnchor(row: Pick<ChainFields, 'action' | 'details'>, anchor: ChainAnchor): boolean {
  return row.action === PURGE_ACTION && Number(row.details.throughId) === anchor.throughId && row.details.hash === anchor.hash.toString('hex');
}

/**
 * Verification of the whole chain fed in id-ordered batches, from the latest anchor (or the genesis hash when nothing
 * was ever purged). With an anchor, three more things must hold: no row is left at or below it (`strayIds`), the
 * first remaining row follows the anchor's hash, and a chained `audit.purged` entry records the anchor.
 */
export class ChainWalk {
  readonly problems: ChainProblem[] = [];
  rowsChecked = 0;
  head: ChainRow | undefined;
  private prev: Buffer;
  private recorded: boolean;

  constructor(
    private readonly anchor: ChainAnchor | null,
    strayIds: number[] = [],
  ) {
    this.prev = anchor?.hash ?? GENESIS_HASH;
    this.recorded = anchor === null;
    for (const id of strayIds) {
      this.problems.push({
        id,
        kind: 'anchor',
        message: `row ${id} is still there although the anchor says entries through ${String(anchor?.throughId)} were purged`,
      });
    }
  }

  add(rows: ChainRow[]): void {
    const found = verifyChain(rows, this.prev);
    const first = rows.at(0);
    for (const p of found) {
      if (this.anchor && this.rowsChecked === 0 && p.id === first?.id && p.kind === 'broken_link') {
        this.problems.push({
          id: p.id,
          kind: 'anchor',
          message: `row ${p.id} does not follow the anchor through ${String(this.anchor.throughId)}: the anchor is forged or rows after it were removed`,
        });
      } else this.problems.push(p);
    }
    for (const row of rows) if (this.anchor && !this.recorded && recordsAnchor(row, this.anchor)) this.recorded = true;
    this.rowsChecked += rows.length;
    this.head = rows.at(-1) ?? this.head;
    if (this.head) this.prev = this.head.hash;
  }

  finish(): ChainProblem[] {
    if (this.anchor && !this.recorded) {
      this.problems.push({
        id: this.anchor.throughId,
        kind: 'anchor',
        message: `no ${PURGE_ACTION} entry in the chain records the anchor through ${String(this.anchor.throughId)}: it was not written by a purge`,
      });
      this.recorded = true;
    }
    return this.problems;
  }
}
