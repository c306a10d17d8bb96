import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * The encrypted container of a backup file:
 *
 *   "HMBACKUP" | u8 format version | u32 header length | header JSON | chunk…
 *   chunk = u8 flags (1 = last) | u32 ciphertext length | ciphertext | 16-byte GCM tag
 *
 * The header names the backup key by a fingerprint (never the key) and carries a random salt; the
 * file's own key is HKDF-SHA256(backup key, salt), so two files never share a key and counter nonces
 * are safe. Each chunk is AES-256-GCM with the whole preamble as associated data and a nonce made of
 * its index and its last-chunk flag (the STREAM construction): a changed header, a changed, dropped,
 * reordered or appended chunk, or a file cut at a chunk boundary fails authentication. Chunks are
 * sealed and opened one at a time, so memory stays flat however large the database.
 */
export const BACKUP_MAGIC = Buffer.from('HMBACKUP', 'latin1');
const FORMAT_VERSION = 1;
export const DEFAULT_CHUNK_SIZE = 1 << 20;
const MAX_CHUNK_SIZE = 16 << 20;
const MAX_HEADER_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const CHUNK_HEADER_BYTES = 5;
const LAST = 1;
const HKDF_INFO = Buffer.from('hipaa-mail backup file key v1');

export interface BackupHeader {
  format: 'hipaa-mail-backup';
  version: typeof FORMAT_VERSION;
  cipher: 'aes-256-gcm';
  kdf: 'hkdf-sha256';
  /** Fingerprint of the backup key (see backupKeyId), never the key. */
  keyId: string;
  salt: string;
  chunkSize: number;
  createdAt: string;
}

export type BackupErrorCode = 'not_a_backup' | 'wrong_key' | 'damaged' | 'truncated' | 'target_not_empty' | 'schema' | 'keys' | 'invalid';

/** A backup or restore that cannot go on; the message is for the operator and never holds a key or a row. */
export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

/** The fingerprint that names a backup key in file headers and logs (domain-separated from the master key's). */
export function backupKeyId(key: Buffer): string {
  return `bk1:${createHash('sha256').update('hipaa-mail:backup-key-id:v1\0').update(key).digest('hex').slice(0, 16)}`;
}

function fileKey(key: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, HKDF_INFO, 32));
}

function nonce(index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeUInt8(last ? LAST : 0, 3);
  n.writeBigUInt64BE(BigInt(index), 4);
  return n;
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new BackupError('invalid', 'the backup key must be 32 bytes');
}

/** Bytes queued from a stream, taken in exact amounts without copying everything on every chunk. */
export class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.length += chunk.length;
  }

  /** The first `n` bytes (n ≤ length), removed from the queue. */
  take(n: number): Buffer {
    const first = this.parts[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
    } else {
      const joined = Buffer.concat(this.parts);
      out = joined.subarray(0, n);
      this.parts = joined.length > n ? [joined.subarray(n)] : [];
    }
    this.length -= n;
    return out;
  }

  peek(n: number): Buffer {
    if (this.parts[0].length >= n) return this.parts[0].subarray(0, n);
    const joined = Buffer.concat(this.parts);
    this.parts = [joined];
    return joined.subarray(0, n);
  }
}

/** Plaintext in, the encrypted container out. */
export class BackupEncryptStream extends Transform {
  readonly header: BackupHeader;
  private readonly preamble: Buffer;
  private readonly key: Buffer;
  private readonly pending = new ByteQueue();
  private index = 0;

  constructor(backupKey: Buffer, options: { chunkSize?: number; createdAt?: Date } = {}) {
    super();
    checkKey(backupKey);
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) throw new BackupError('invalid', 'chunk size out of range');
    const salt = randomBytes(32);
    this.header = {
      format: 'hipaa-mail-backup',
      version: FORMAT_VERSION,
      cipher: 'aes-256-gcm',
      kdf: 'hkdf-sha256',
      keyId: backupKeyId(backupKey),
      salt: salt.toString('base64'),
      chunkSize,
      createdAt: (options.createdAt ?? new Date()).toISOString(),
    };
    const json = Buffer.from(JSON.stringify(this.header));
    const fixed = Buffer.alloc(5);
    fixed.writeUInt8(FORMAT_VERSION, 0);
    fixed.writeUInt32BE(json.length, 1);
    this.preamble = Buffer.concat([BACKUP_MAGIC, fixed, json]);
    this.key = fileKey(backupKey, salt);
    this.push(this.preamble);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    while (this.pending.length >= this.header.chunkSize) this.seal(this.pending.take(this.header.chunkSize), false);
    done();
  }

  override _flush(done: TransformCallback): void {
    // The last chunk is always written, empty or not: its flag is what tells a complete file from a cut one.
    this.seal(this.pending.length ? this.pending.take(this.pending.length) : Buffer.alloc(0), true);
    done();
  }

  private seal(plain: Buffer, last: boolean): void {
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(this.index++, last));
    cipher.setAAD(this.preamble);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const head = Buffer.alloc(CHUNK_HEADER_BYTES);
    head.writeUInt8(last ? LAST : 0, 0);
    head.writeUInt32BE(body.length, 1);
    this.push(Buffer.concat([head, body, cipher.getAuthTag()]));
  }
}

/** The encrypted container in, authenticated plaintext out; any fault is a BackupError naming it. */
export class BackupDecryptStream extends Transform {
  header: BackupHeader | undefined;
  private preamble: Buffer | undefined;
  private key: Buffer | undefined;
  private readonly input = new ByteQueue();
  private index = 0;
  private finished = false;
  private readonly expectedKeyId: string;

  constructor(private readonly backupKey: Buffer) {
    super();
    checkKey(backupKey);
    this.expectedKeyId = backupKeyId(backupKey);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.input.push(chunk);
    try {
      this.drain();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (!this.preamble) done(new BackupError('not_a_backup', 'not a HIPAA Mail backup file (too short)'));
    else if (!this.finished) done(new BackupError('truncated', `backup file is truncated: it ends after chunk ${this.index} without its last chunk`));
    else done();
  }

  private drain(): void {
    if (!this.preamble && !this.readPreamble()) return;
    const header = this.header as BackupHeader;
    while (this.input.length >= CHUNK_HEADER_BYTES) {
      if (this.finished) throw new BackupError('damaged', 'backup file has data after its last chunk (altered or damaged)');
      const head = this.input.peek(CHUNK_HEADER_BYTES);
      const flags = head.readUInt8(0);
      const size = head.readUInt32BE(1);
      if ((flags & ~LAST) !== 0 || size > header.chunkSize) throw this.damaged();
      if (this.input.length < CHUNK_HEADER_BYTES + size + TAG_BYTES) return;
      this.input.take(CHUNK_HEADER_BYTES);
      const body = this.input.take(size);
      const tag = this.input.take(TAG_BYTES);
      const last = flags === LAST;
      const decipher = createDecipheriv('aes-256-gcm', this.key as Buffer, nonce(this.index, last));
      decipher.setAAD(this.preamble as Buffer);
      decipher.setAuthTag(tag);
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        throw this.damaged();
      }
      this.index += 1;
      if (plain.length) this.push(plain);
      if (last) this.finished = true;
    }
  }

  private damaged(): BackupError {
    return new BackupError('damaged', `backup file failed its integrity check at chunk ${this.index} (altered or damaged)`);
  }

  private readPreamble(): boolean {
    const fixed = BACKUP_MAGIC.length + 5;
    if (this.input.length < fixed) return false;
    const start = this.input.peek(fixed);
    if (!start.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC)) throw new BackupError('not_a_backup', 'not a HIPAA Mail backup file');
    const version = start.readUInt8(BACKUP_MAGIC.length);
    if (version !== FORMAT_VERSION)
      throw new BackupError('not_a_backup', `backup file format ${version} is not supported by this release (it reads ${FORMAT_VERSION})`);
    const length = start.readUInt32BE(BACKUP_MAGIC.length + 1);
    if (length > MAX_HEADER_BYTES) throw new BackupError('damaged', 'backup file header is damaged');
    if (this.input.length < fixed + length) return false;
    const preamble = this.input.take(fixed + length);
    let parsed: Partial<Record<keyof BackupHeader, unknown>>;
    try {
      parsed = JSON.parse(preamble.subarray(fixed).toString('utf8')) as Partial<Record<keyof BackupHeader, unknown>>;
    } catch {
      throw new BackupError('damaged', 'backup file header is damaged');
    }
    const salt = typeof parsed.salt === 'string' ? Buffer.from(parsed.salt, 'base64') : Buffer.alloc(0);
    const chunkSize = parsed.chunkSize;
    if (
      parsed.format !== 'hipaa-mail-backup' ||
      parsed.cipher !== 'aes-256-gcm' ||
      parsed.kdf !== 'hkdf-sha256' ||
      typeof parsed.keyId !== 'string' ||
      salt.length !== 32 ||
      typeof chunkSize !== 'number' ||
      !Number.isInteger(chunkSize) ||
      chunkSize < 1 ||
      chunkSize > MAX_CHUNK_SIZE
    )
      throw new BackupError('damaged', 'backup file header is damaged or of an unknown kind');
    const header = parsed as BackupHeader;
    if (header.keyId !== this.expectedKeyId)
      throw new BackupError(
        'wrong_key',
        `backup file was encrypted under backup key ${header.keyId}, but BACKUP_ENCRYPTION_KEY is ${this.expectedKeyId}: set the key that made it`,
      );
    this.header = header;
    this.preamble = Buffer.from(preamble);
    this.key = fileKey(this.backupKey, salt);
    return true;
  }
}
