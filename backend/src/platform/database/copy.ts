import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';

/** The column types bulk writes use, each sent in Postgres's binary COPY form. */
export type CopyType = 'int4' | 'int8' | 'int8[]' | 'text' | 'bytea' | 'jsonb' | 'timestamptz';

export interface CopyColumn {
  name: string;
  type: CopyType;
}

/** int8 values come as decimal strings (ids, tokens) or bigints; int8[] as arrays of those; jsonb as its JSON text. */
export type CopyValue = string | number | bigint | Buffer | Date | readonly (string | bigint)[] | null;

/** Signature, flags, header extension length. */
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);
const INT8_OID = 20;
/** Microseconds from the Unix epoch to Postgres's (2000-01-01 UTC). */
const PG_EPOCH_US = 946_684_800_000_000n;
/** Bytes handed to the connection at a time. */
const CHUNK = 256 * 1024;

/**
 * Rows as tuples of COPY's binary format, appended to one growing buffer. Against the text format
 * this skips hex-encoding every ciphertext and escaping every string in Node, and parsing them
 * again in Postgres: for a contact row, about half of the COPY cost on both sides.
 */
export class TupleWriter {
  private buffer: Buffer;
  private size = 0;

  constructor(
    private readonly columns: readonly CopyColumn[],
    sizeHint = 64 * 1024,
  ) {
    this.buffer = Buffer.allocUnsafeSlow(sizeHint);
  }

  row(values: readonly CopyValue[]): void {
    if (values.length !== this.columns.length) throw new Error(`COPY row has ${values.length} values for ${this.columns.length} columns`);
    this.ensure(2);
    this.size = this.buffer.writeInt16BE(values.length, this.size);
    for (let i = 0; i < values.length; i++) this.field(this.columns[i], values[i]);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.size;
  }

  /** Everything written, in a buffer of its own. */
  finish(): Buffer {
    return this.buffer.subarray(0, this.size);
  }

  private field(column: CopyColumn, value: CopyValue): void {
    if (value === null) {
      this.ensure(4);
      this.size = this.buffer.writeInt32BE(-1, this.size);
      return;
    }
    switch (column.type) {
      case 'int4':
        this.ensure(8);
        this.size = this.buffer.writeInt32BE(4, this.size);
        this.size = this.buffer.writeInt32BE(Number(value), this.size);
        return;
      case 'int8':
        this.ensure(12);
        this.size = this.buffer.writeInt32BE(8, this.size);
        this.writeInt8(value, column);
        return;
      case 'int8[]': {
        if (!Array.isArray(value)) throw new Error(`COPY column ${column.name} expects an array`);
        const items = value as readonly (string | bigint)[];
        const size = items.length ? 20 + 12 * items.length : 12;
        this.ensure(4 + size);
        this.size = this.buffer.writeInt32BE(size, this.size);
        this.size = this.buffer.writeInt32BE(items.length ? 1 : 0, this.size); // dimensions
        this.size = this.buffer.writeInt32BE(0, this.size); // no NULL elements
        this.size = this.buffer.writeInt32BE(INT8_OID, this.size);
        if (items.length) {
          this.size = this.buffer.writeInt32BE(items.length, this.size);
          this.size = this.buffer.writeInt32BE(1, this.size); // lower bound
          for (const item of items) {
            this.size = this.buffer.writeInt32BE(8, this.size);
            this.writeInt8(item, column);
          }
        }
        return;
      }
      case 'bytea':
        if (!(value instanceof Uint8Array)) throw new Error(`COPY column ${column.name} expects a Buffer`);
        this.ensure(4 + value.length);
        this.size = this.buffer.writeInt32BE(value.length, this.size);
        this.buffer.set(value, this.size);
        this.size += value.length;
        return;
      case 'text':
      case 'jsonb': {
        const text = String(value);
        const version = column.type === 'jsonb' ? 1 : 0;
        // Worst case three bytes per UTF-16 unit.
        this.ensure(4 + version + text.length * 3);
        const start = this.size + 4;
        if (version) this.buffer[start] = 1;
        const written = this.buffer.write(text, start + version, 'utf8');
        this.buffer.writeInt32BE(written + version, this.size);
        this.size = start + version + written;
        return;
      }
      case 'timestamptz': {
        const ms = value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
        if (Number.isNaN(ms)) throw new Error(`COPY column ${column.name} expects a date`);
        this.ensure(12);
        this.size = this.buffer.writeInt32BE(8, this.size);
        this.size = this.buffer.writeBigInt64BE(BigInt(ms) * 1000n - PG_EPOCH_US, this.size);
        return;
      }
    }
  }

  /** An int8's 8 bytes, big-endian, without BigInt arithmetic (each BigInt operation allocates). */
  private writeInt8(value: CopyValue, column: CopyColumn): void {
    if (typeof value === 'number' || (typeof value === 'string' && value.length <= 15 && SMALL_INT.test(value))) {
      const n = Number(value);
      if (!Number.isSafeInteger(n)) throw new Error(`COPY column ${column.name} expects an integer`);
      const high = Math.floor(n / 2 ** 32);
      this.size = this.buffer.writeInt32BE(high, this.size);
      this.size = this.buffer.writeUInt32BE(n - high * 2 ** 32, this.size);
      return;
    }
    this.buffer.set(int8Bytes(value, column), this.size);
    this.size += 8;
  }

  private ensure(bytes: number): void {
    if (this.size + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.size + bytes));
    this.buffer.copy(grown, 0, 0, this.size);
    this.buffer = grown;
  }
}

const SMALL_INT = /^-?\d+$/;

/** Decimal strings already converted: blind-index tokens (full 64-bit) repeat across rows (codes, years, plans). */
const int8Cache = new Map<string, Buffer>();

function int8Bytes(value: CopyValue, column: CopyColumn): Buffer {
  if (typeof value === 'string') {
    let bytes = int8Cache.get(value);
    if (bytes === undefined) {
      if (!/^-?\d+$/.test(value)) throw new Error(`COPY column ${column.name} expects an integer`);
      bytes = Buffer.alloc(8);
      bytes.writeBigInt64BE(BigInt(value));
      if (int8Cache.size >= 100_000) int8Cache.clear();
      int8Cache.set(value, bytes);
    }
    return bytes;
  }
  if (typeof value === 'bigint') {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(value);
    return bytes;
  }
  throw new Error(`COPY column ${column.name} expects an integer`);
}

/**
 * Bulk insert with binary COPY FROM STDIN on the transaction's own connection: far cheaper for
 * Postgres than binding parameter arrays. COPY cannot skip conflicts, so callers wrap it in a
 * savepoint and fall back to INSERT … ON CONFLICT when it fails.
 */
export async function copyRows(tx: EntityManager, table: string, columns: readonly CopyColumn[], rows: readonly (readonly CopyValue[])[]): Promise<void> {
  if (!rows.length) return;
  const tuples = new TupleWriter(columns);
  for (const row of rows) tuples.row(row);
  await copyTuples(
    tx,
    table,
    columns.map((c) => c.name),
    [tuples.finish()],
  );
}

/** COPY of tuples already encoded by a TupleWriter (each buffer holds whole tuples, in the columns' order). */
export async function copyTuples(tx: EntityManager, table: string, columns: readonly string[], tuples: readonly Buffer[]): Promise<void> {
  if (!tuples.length) return;
  const client = (tx.queryRunner as unknown as { databaseConnection: pg.PoolClient } | undefined)?.databaseConnection;
  if (!client) throw new Error('copyRows needs a transaction with its own connection');
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT binary)`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', () => resolve());
    stream.on('error', reject);
  });
  // Few, large writes: each write to the socket costs a system call and, on loopback, the receiving side's work too.
  let group: Buffer[] = [HEADER];
  let size = HEADER.length;
  for (const t of tuples) {
    group.push(t);
    size += t.length;
    if (size >= CHUNK) {
      stream.write(Buffer.concat(group, size));
      group = [];
      size = 0;
    }
  }
  group.push(TRAILER);
  stream.end(Buffer.concat(group, size + TRAILER.length));
  await done;
}
