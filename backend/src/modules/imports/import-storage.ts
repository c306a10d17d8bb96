import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { CryptoService } from '../crypto/index.js';

const CHUNK = 1024 * 1024;
export const HEAD_BYTES = 64 * 1024;

/**
 * Uploads live in Postgres, encrypted in 1 MiB chunks (each AES-256-GCM, bound to its import and
 * position), so any worker can read them, nothing lands on a local disk in plaintext, and the
 * memory used does not grow with the file.
 */
@Injectable()
export class ImportStorage {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
  ) {}

  static aad(importId: string, seq: number): string {
    return `import_chunks.data:${importId}:${seq}`;
  }

  async write(importId: string, body: AsyncIterable<Buffer | string>, maxBytes: number): Promise<{ bytes: number; sha256: string; head: Buffer }> {
    const hash = createHash('sha256');
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let bytes = 0;
    let seq = 0;
    let head = Buffer.alloc(0);
    const flush = async () => {
      if (!pendingBytes) return;
      const chunk = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await this.dataSource.query(`INSERT INTO import_chunks (import_id, seq, data) VALUES ($1, $2, $3)`, [
        importId,
        seq,
        this.crypto.encrypt('phi', chunk, ImportStorage.aad(importId, seq)),
      ]);
      chunk.fill(0);
      seq++;
    };
    for await (const piece of body) {
      const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
      bytes += buf.length;
      if (bytes > maxBytes) throw new DomainError('import_too_large', `The file is larger than the limit of ${maxBytes} bytes`, 413);
      hash.update(buf);
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, buf.subarray(0, HEAD_BYTES - head.length)]);
      pending.push(buf);
      pendingBytes += buf.length;
      if (pendingBytes >= CHUNK) await flush();
    }
    await flush();
    return { bytes, sha256: hash.digest('hex'), head };
  }

  /** The file again, decrypted chunk by chunk, in order. */
  async *read(importId: string, fromSeq = 0): AsyncGenerator<Buffer> {
    for (let seq = fromSeq; ; seq++) {
      const [row] = await this.dataSource.query<[{ data: Buffer }?]>(`SELECT data FROM import_chunks WHERE import_id = $1 AND seq = $2`, [importId, seq]);
      if (!row) return;
      yield await this.crypto.decrypt(row.data, ImportStorage.aad(importId, seq));
    }
  }

  async head(importId: string): Promise<Buffer> {
    const first = await this.read(importId).next();
    return first.done ? Buffer.alloc(0) : first.value.subarray(0, HEAD_BYTES);
  }

  async remove(importId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM import_chunks WHERE import_id = $1`, [importId]);
  }
}
