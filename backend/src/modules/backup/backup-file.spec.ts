import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { BACKUP_MAGIC, BackupDecryptStream, BackupEncryptStream, BackupError, backupKeyId } from './backup-file.js';
import { loadOrder } from './logical-backup.js';

const KEY = randomBytes(32);

async function seal(plain: Buffer, chunkSize = 1000, key = KEY): Promise<Buffer> {
  return buffer(Readable.from([plain]).pipe(new BackupEncryptStream(key, { chunkSize })));
}

async function open(file: Buffer, key = KEY): Promise<Buffer> {
  return buffer(Readable.from([file.subarray(0, 7), file.subarray(7, 500), file.subarray(500)]).pipe(new BackupDecryptStream(key)));
}

async function failure(file: Buffer, key = KEY): Promise<BackupError> {
  try {
    await open(file, key);
  } catch (err) {
    if (err instanceof BackupError) return err;
    throw err;
  }
  throw new Error('expected the file to be refused');
}

/** Offsets of each chunk (its 5-byte header) after the preamble. */
function chunkOffsets(file: Buffer): number[] {
  let at = BACKUP_MAGIC.length + 5 + file.readUInt32BE(BACKUP_MAGIC.length + 1);
  const offsets: number[] = [];
  while (at < file.length) {
    offsets.push(at);
    at += 5 + file.readUInt32BE(at + 1) + 16;
  }
  return offsets;
}

describe('encrypted backup container', () => {
  it('round-trips any length, across chunk boundaries, and names the key only by its fingerprint', async () => {
    for (const length of [0, 1, 999, 1000, 1001, 5000, 12_345]) {
      const plain = randomBytes(length);
      const file = await seal(plain);
      expect((await open(file)).equals(plain)).toBe(true);
      expect(file.includes(KEY)).toBe(false);
      const header = JSON.parse(file.subarray(BACKUP_MAGIC.length + 5, chunkOffsets(file)[0]).toString()) as { keyId: string };
      expect(header.keyId).toBe(backupKeyId(KEY));
      expect(chunkOffsets(file)).toHaveLength(Math.floor(length / 1000) + 1);
    }
  });

  it('writes a different ciphertext each time for the same content', async () => {
    const plain = Buffer.from('same content '.repeat(100));
    expect((await seal(plain)).equals(await seal(plain))).toBe(false);
  });

  it('refuses a wrong key by its fingerprint, before decrypting anything', async () => {
    const error = await failure(await seal(randomBytes(3000)), randomBytes(32));
    expect(error.code).toBe('wrong_key');
    expect(error.message).toContain(backupKeyId(KEY));
  });

  it('refuses a changed byte in any chunk, a changed header, reordered, dropped or appended chunks and a cut file', async () => {
    const file = await seal(randomBytes(4500));
    const offsets = chunkOffsets(file);
    expect(offsets).toHaveLength(5);

    const flipped = Buffer.from(file);
    flipped[offsets[2] + 40] ^= 1;
    expect(await failure(flipped)).toMatchObject({ code: 'damaged', message: expect.stringContaining('chunk 2') as string });

    const header = Buffer.from(file);
    const at = header.indexOf('"createdAt":"') + 14;
    header[at] = header[at] === 0x31 ? 0x32 : 0x31;
    expect((await failure(header)).code).toBe('damaged');

    const swapped = Buffer.concat([
      file.subarray(0, offsets[1]),
      file.subarray(offsets[2], offsets[3]),
      file.subarray(offsets[1], offsets[2]),
      file.subarray(offsets[3]),
    ]);
    expect((await failure(swapped)).code).toBe('damaged');

    const dropped = Buffer.concat([file.subarray(0, offsets[1]), file.subarray(offsets[2])]);
    expect((await failure(dropped)).code).toBe('damaged');

    expect((await failure(file.subarray(0, offsets[4]))).code).toBe('truncated');
    expect((await failure(file.subarray(0, file.length - 3))).code).toBe('truncated');
    expect((await failure(Buffer.concat([file, file.subarray(offsets[1], offsets[2])]))).code).toBe('damaged');
    expect((await failure(Buffer.from('PGDMP not ours at all'))).code).toBe('not_a_backup');
  });

  it('yields plaintext chunk by chunk, before the whole file has arrived', async () => {
    const plain = randomBytes(10_000);
    const file = await seal(plain);
    const decrypt = new BackupDecryptStream(KEY);
    const got: Buffer[] = [];
    decrypt.on('data', (c: Buffer) => got.push(c));
    decrypt.write(file.subarray(0, chunkOffsets(file)[3]));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(got).equals(plain.subarray(0, 3000))).toBe(true);
    decrypt.destroy();
  });
});

describe('load order', () => {
  it('puts each table after the tables it references, and names a cycle', () => {
    const order = loadOrder(
      ['deliveries', 'contacts', 'topics', 'consent_state', 'audit_log', 'tree'],
      [
        { child: 'deliveries', parent: 'contacts' },
        { child: 'deliveries', parent: 'topics' },
        { child: 'consent_state', parent: 'contacts' },
        { child: 'consent_state', parent: 'topics' },
        { child: 'tree', parent: 'tree' },
      ],
    );
    expect(order.indexOf('deliveries')).toBeGreaterThan(Math.max(order.indexOf('contacts'), order.indexOf('topics')));
    expect(order.indexOf('consent_state')).toBeGreaterThan(order.indexOf('contacts'));
    expect(order).toHaveLength(6);
    expect(() =>
      loadOrder(
        ['a', 'b', 'c'],
        [
          { child: 'a', parent: 'b' },
          { child: 'b', parent: 'a' },
        ],
      ),
    ).toThrow(/cycle between a, b/);
  });
});
