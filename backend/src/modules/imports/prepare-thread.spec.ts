import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CSV_HEADER, CSV_MAPPING, csvRow } from '../../../../test/support/csv-generator.js';
import { inputOf } from '../contacts/contact-prepare.js';
import type { CsvBroken } from './import-batches.js';
import { PrepareThread } from './prepare-thread.js';
import type { WorkerBatch } from './worker-protocol.js';

const keys = { phi: { id: 1, key: randomBytes(32) }, blindIndex: { id: 2, key: randomBytes(32) } };

/** A real worker thread over an in-memory file, ids from a counter, `ahead` batches of credit. */
function thread(csv: string, options: { batchSize?: number; ahead?: number; chunk?: number } = {}) {
  let next = 1;
  const reserved: number[] = [];
  const bytes = Buffer.from(csv);
  const chunk = options.chunk ?? 64 * 1024;
  const source = new PrepareThread(
    {
      keys,
      source: {
        encoding: 'utf-8',
        delimiter: ',',
        headers: CSV_HEADER.split(','),
        mapping: CSV_MAPPING as never,
        definitions: new Map(),
        checkpoint: 0,
        batchSize: options.batchSize ?? 50,
      },
      onExisting: 'update',
      origin: { source: 'import', importId: '9' },
    },
    {
      // eslint-disable-next-line @typescript-eslint/require-await -- an AsyncIterable, as the upload store gives
      chunks: (async function* () {
        for (let i = 0; i < bytes.length; i += chunk) yield Uint8Array.from(bytes.subarray(i, i + chunk));
      })(),
      reserveIds: (n) => {
        reserved.push(n);
        return Promise.resolve(Array.from({ length: n }, () => String(next++)));
      },
      ahead: options.ahead ?? 2,
    },
  );
  return { source, reserved };
}

async function collect(source: AsyncIterable<WorkerBatch | CsvBroken>) {
  const out: (WorkerBatch | CsvBroken)[] = [];
  for await (const b of source) out.push(b);
  return out;
}

describe('PrepareThread (import worker thread)', () => {
  it('hands back every row prepared, in file order, with bad rows reported and ids taken in order', async () => {
    const rows = Array.from({ length: 230 }, (_, i) => csvRow(i));
    rows[17] = rows[17].replace(/^[^,]+/, 'not-an-email');
    const { source } = thread(`${CSV_HEADER}\r\n${rows.join('\r\n')}\r\n`, { ahead: 1, chunk: 777 });
    const out = await collect(source);
    expect(out.every((b) => b.type === 'rows')).toBe(true);
    const batches = out as WorkerBatch[];
    const prepared = batches.flatMap((b) => b.contacts.prepared);
    expect(prepared).toHaveLength(229);
    expect(prepared.map((p) => p.refs[0])).toEqual(Array.from({ length: 230 }, (_, i) => i + 2).filter((r) => r !== 19));
    expect(batches.flatMap((b) => b.errors)).toEqual([{ row: 19, column: 'email', reason: 'not a valid e-mail address' }]);
    expect(batches.at(-1)?.lastRow).toBe(231);
    // Buffers again on this side, and the PHI travels sealed, with its JSON for the rare merge.
    expect(Buffer.isBuffer(prepared[0].contactRow) && prepared[0].emailToken.length === 32).toBe(true);
    expect(inputOf(prepared[5]).phi.email).toBe('patient.5@example.org');
    expect(prepared[5].contactRow.includes(Buffer.from('patient.5@example.org'))).toBe(false);
    // Ids are distinct and increasing across batches.
    const ids = prepared.map((p) => Number(p.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('merges a repeated e-mail within a batch into its first row', async () => {
    const again = csvRow(3).replace('MRN000000003', 'MRN000000999');
    const { source } = thread(`${CSV_HEADER}\r\n${[csvRow(1), csvRow(3), csvRow(4), again].join('\r\n')}\r\n`);
    const [batch] = (await collect(source)) as WorkerBatch[];
    const merged = batch.contacts.prepared.find((p) => p.refs.length === 2);
    expect(merged?.refs).toEqual([3, 5]);
    expect(merged?.identifiers).toHaveLength(2);
    expect(batch.contacts.prepared).toHaveLength(3);
  });

  it('passes a broken quote on after the rows before it', async () => {
    const csv = `${CSV_HEADER}\r\n${csvRow(1)}\r\n${csvRow(2)}\r\n"broken,${csvRow(3)}\r\n`;
    const out = await collect(thread(csv).source);
    expect(out.at(-1)).toEqual({ type: 'csv-error', code: 'CSV_INVALID_CLOSING_QUOTE', row: 4 });
    expect(out.filter((b): b is WorkerBatch => b.type === 'rows').flatMap((b) => b.contacts.prepared.map((p) => p.refs[0]))).toEqual([2, 3]);
  });

  it('stops the worker when the consumer stops early, and reserves ids only as batches are taken', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => csvRow(i));
    const { source, reserved } = thread(`${CSV_HEADER}\r\n${rows.join('\r\n')}\r\n`, { batchSize: 100, ahead: 2 });
    let taken = 0;
    for await (const b of source) {
      expect(b.type).toBe('rows');
      if (++taken === 3) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Two blocks up front and one per batch taken: never the whole file's worth.
    expect(reserved.length).toBeLessThanOrEqual(2 + 3);
    expect(reserved.every((n) => n === 100)).toBe(true);
  });
});
