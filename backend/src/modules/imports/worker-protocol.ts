import type { ExistingPolicy, PreparedBatch, RowOrigin } from '../contacts/contact-prepare.js';
import type { SealingKeyMaterial } from '../crypto/sealing.js';
import type { CsvBroken, CsvSource, RowBatch } from './import-batches.js';

/** What the import worker thread starts with. */
export interface WorkerSetup {
  keys: SealingKeyMaterial;
  source: Omit<CsvSource, 'chunks'>;
  onExisting: ExistingPolicy;
  origin: RowOrigin;
}

/** Main thread to worker: the file's bytes on request (`more`), and a block of contact ids per batch. */
export type ToWorker = { type: 'chunk'; data: Uint8Array } | { type: 'end' } | { type: 'ids'; ids: string[] };

/** A prepared batch, with its bad rows and checkpoint. */
export type WorkerBatch = RowBatch<PreparedBatch>;

export type FromWorker = { type: 'more' } | WorkerBatch | CsvBroken | { type: 'done' } | { type: 'failed'; error: string };

/**
 * Packs a batch's buffers into one ArrayBuffer that is moved, not copied, to the main thread.
 * (Cloned one by one, each small Buffer would drag its whole 8 KiB pool slab along.)
 */
export function toTransferable(message: WorkerBatch): { message: WorkerBatch; transfer: ArrayBuffer[] } {
  const prepared = message.contacts.prepared;
  let size = 0;
  for (const p of prepared) {
    size += p.emailToken.length + p.contactRow.length + p.identifierRows.length;
    for (const i of p.identifiers) size += i.token.length;
  }
  const packed = Buffer.from(new ArrayBuffer(size));
  let offset = 0;
  const move = (b: Buffer): Buffer => {
    b.copy(packed, offset);
    const view = packed.subarray(offset, offset + b.length);
    offset += b.length;
    return view;
  };
  for (const p of prepared) {
    p.emailToken = move(p.emailToken);
    p.contactRow = move(p.contactRow);
    p.identifierRows = move(p.identifierRows);
    for (const i of p.identifiers) i.token = move(i.token);
  }
  return { message, transfer: [packed.buffer] };
}

/** The batch as the writer expects it again: Buffers, not bare Uint8Arrays (without copying). */
export function revive(message: WorkerBatch): WorkerBatch {
  const buffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  for (const p of message.contacts.prepared) {
    p.emailToken = buffer(p.emailToken);
    p.contactRow = buffer(p.contactRow);
    p.identifierRows = buffer(p.identifierRows);
    for (const i of p.identifiers) i.token = buffer(i.token);
  }
  return message;
}
