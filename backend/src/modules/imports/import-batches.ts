import { parse } from 'csv-parse';
import { type AttributeDefinition, validateContact } from '../contacts/contact-input.js';
import type { WriteItem } from '../contacts/contact-prepare.js';
import type { ColumnMapping, SupportedEncoding } from './csv-format.js';
import { RowMapper } from './import-rows.js';

export interface RowError {
  row: number;
  column: string;
  reason: string;
}

/** Where a batch's valid rows go as they are read: a list (dry run), or a BatchPreparer (import). */
export interface RowSink<T> {
  add(item: WriteItem): void;
  /** Rows added so far. */
  readonly size: number;
  finish(): T;
}

/** The valid rows (as the sink made them) and bad rows up to `lastRow` (a CSV row number, the header being row 1); `bytes` of the file read by then. */
export interface RowBatch<T> {
  type: 'rows';
  contacts: T;
  errors: RowError[];
  lastRow: number;
  bytes: number;
}

/** A sink that keeps the valid rows as they are. */
export function listSink(): RowSink<WriteItem[]> {
  const items: WriteItem[] = [];
  return {
    add: (item) => items.push(item),
    get size() {
      return items.length;
    },
    finish: () => items,
  };
}

/** The file cannot be parsed past `row`: rows before it came in earlier batches. */
export interface CsvBroken {
  type: 'csv-error';
  code: string;
  row: number;
}

export interface CsvSource {
  /** The uploaded file's bytes, in order. Each chunk is zeroed once decoded. */
  chunks: AsyncIterable<Uint8Array>;
  encoding: SupportedEncoding;
  delimiter: string;
  headers: string[];
  mapping: Partial<Record<string, ColumnMapping>>;
  definitions: ReadonlyMap<string, AttributeDefinition>;
  /** The last row committed before a restart: rows up to it are skipped. */
  checkpoint: number;
  batchSize: number;
}

/**
 * Decode, parse, map and validate a CSV upload into batches of valid contacts and row-level
 * errors. Pure (no database): the importer runs it on the main thread for a dry run and in its
 * worker thread for a real import.
 *
 * The parser is fed chunk by chunk and hands each record over as it is parsed (`on_record`), so a
 * syntax error loses none of the records before it: read as a stream, the records parsed from the
 * same chunk as the error were dropped with the destroyed stream.
 */
export async function* readBatches<T>(source: CsvSource, newSink: () => RowSink<T> | Promise<RowSink<T>>): AsyncGenerator<RowBatch<T> | CsvBroken> {
  const mapper = new RowMapper(source.headers, source.mapping);
  const decoder = new TextDecoder(source.encoding === 'windows-1252' ? 'windows-1252' : source.encoding, { ignoreBOM: false });
  const records: string[][] = [];
  // Set by the parser's events (hence an object: the checks below run after awaits).
  const parsing: { failure?: Error & { code?: string }; ended: boolean } = { ended: false };
  const parser = parse({
    delimiter: source.delimiter,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: 1_000_000,
    trim: false,
    on_record: (record: string[]) => {
      records.push(record);
      return null; // taken here, not passed down the stream
    },
  });
  parser.on('error', (err: Error) => (parsing.failure = err));
  parser.on('end', () => (parsing.ended = true));
  parser.resume(); // nothing is pushed; flowing lets the parser reach its end
  const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

  let bytes = 0;
  let rowNumber = 0;
  let sink = await newSink();
  let errors: RowError[] = [];
  let lastRow = source.checkpoint;
  const take = (): RowBatch<T> => ({ type: 'rows', contacts: sink.finish(), errors, lastRow, bytes });

  /** The records parsed so far, into the current batch; yields each batch that fills. */
  async function* consume(): AsyncGenerator<RowBatch<T>> {
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      rowNumber++;
      if (rowNumber === 1) continue; // the header row
      if (rowNumber <= source.checkpoint) continue; // committed before a restart
      lastRow = rowNumber;
      if (record.length !== source.headers.length) {
        errors.push({ row: rowNumber, column: '*', reason: `the row has ${record.length} fields, the header has ${source.headers.length}` });
      } else {
        const { value, problems } = validateContact(mapper.toRaw(record), source.definitions);
        if (value) sink.add({ ref: rowNumber, input: value });
        else for (const p of problems) errors.push({ row: rowNumber, column: mapper.columnOf(p), reason: p.message });
      }
      if (sink.size >= source.batchSize || errors.length >= source.batchSize) {
        yield take();
        // The next sink only once this batch is taken: a worker's sink waits for ids the main thread grants per batch taken.
        sink = await newSink();
        errors = [];
      }
    }
    records.length = 0;
  }

  for await (const chunk of source.chunks) {
    bytes += chunk.length;
    const text = decoder.decode(chunk, { stream: true });
    chunk.fill(0);
    if (text) parser.write(text);
    yield* consume();
    await settled(); // an error from this chunk is emitted on the next tick
    if (parsing.failure) break;
  }
  if (!parsing.failure) {
    const tail = decoder.decode();
    if (tail) parser.write(tail);
    parser.end();
    const over = () => parsing.ended || parsing.failure !== undefined;
    while (!over()) await settled();
    yield* consume();
  }
  const failure = parsing.failure;
  if (failure) {
    if (!failure.code?.startsWith('CSV_')) throw failure;
    yield* consume();
    yield take();
    yield { type: 'csv-error', code: failure.code, row: rowNumber + 1 };
    return;
  }
  yield take();
}
