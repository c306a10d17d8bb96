import { createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { DataKeyEntity, type KeyPurpose } from './entities/data-key.entity.js';
import { KEY_PROVIDER, type KeyProvider } from './key-provider.js';
import { FORMAT_V1, HEADER, hmacIndex, IvPool, sealGcm, type SealingKeyMaterial, TokenMemo } from './sealing.js';

/**
 * Envelope encryption. Each value is AES-256-GCM under a data key of its purpose; the data
 * key is wrapped by the master key. The associated data binds a ciphertext to its place
 * (table, column, row), so a value copied to another row or column does not decrypt.
 *
 * Layout: [1 byte format][4 bytes data key id][12 bytes IV][16 bytes tag][ciphertext].
 */
@Injectable()
export class CryptoService implements OnModuleInit {
  private readonly keys = new Map<number, Buffer>();
  private readonly active = new Map<KeyPurpose, number>();
  private readonly tokenMemo = new TokenMemo();
  private readonly ivs = new IvPool();

  constructor(
    @InjectRepository(DataKeyEntity) private readonly dataKeys: Repository<DataKeyEntity>,
    @Inject(KEY_PROVIDER) private readonly provider: KeyProvider,
  ) {}

  async onModuleInit() {
    await this.loadKeys();
    for (const purpose of ['phi', 'secrets', 'blind-index'] as const) {
      if (!this.active.has(purpose)) await this.createDataKey(purpose, true);
    }
  }

  /** The place a ciphertext belongs to: its associated data. */
  static aad(table: string, column: string, rowId: string | number): string {
    return `${table}.${column}:${rowId}`;
  }

  encrypt(purpose: Exclude<KeyPurpose, 'blind-index'>, plaintext: Buffer | string, aad: string): Buffer {
    const keyId = this.active.get(purpose);
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (keyId === undefined || !key) throw new Error(`no active ${purpose} data key`);
    return sealGcm(keyId, key, this.ivs.next(), plaintext, aad);
  }

  async decrypt(ciphertext: Buffer, aad: string): Promise<Buffer> {
    if (ciphertext.length < HEADER || ciphertext.readUInt8(0) !== FORMAT_V1)
      throw new DomainError('crypto_bad_ciphertext', 'Stored value is not a recognised ciphertext', 422);
    const keyId = ciphertext.readUInt32BE(1);
    if (!this.keys.has(keyId)) await this.loadKeys();
    const key = this.keys.get(keyId);
    if (!key) throw new DomainError('crypto_unknown_key', 'Stored value was encrypted under an unknown data key', 422);
    const decipher = createDecipheriv('aes-256-gcm', key, ciphertext.subarray(5, 17));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(ciphertext.subarray(17, 33));
    try {
      return Buffer.concat([decipher.update(ciphertext.subarray(HEADER)), decipher.final()]);
    } catch {
      throw new DomainError('crypto_integrity', 'Stored value failed its integrity check (altered, or moved from another record)', 422);
    }
  }

  async decryptText(ciphertext: Buffer, aad: string): Promise<string> {
    return (await this.decrypt(ciphertext, aad)).toString('utf8');
  }

  /** The data key id a ciphertext was made with (for rotation progress). */
  static keyIdOf(ciphertext: Buffer): number {
    return ciphertext.readUInt32BE(1);
  }

  /** Blind index: HMAC-SHA256 of a normalised value under the blind-index key, scoped by a domain such as `contacts.email`. */
  blindIndex(domain: string, normalizedValue: string): Buffer {
    return hmacIndex(this.blindIndexKey(), domain, normalizedValue);
  }

  /** A 64-bit blind-index token (signed, as Postgres bigint text) for segment columns, memoised. */
  token64(domain: string, normalizedValue: string): string {
    const key = this.blindIndexKey();
    return this.tokenMemo.token((message) => createHmac('sha256', key).update(message).digest(), domain, normalizedValue);
  }

  /** The active PHI and blind-index keys, for a worker thread that seals contacts (an import); never stored or logged. */
  sealingKeyMaterial(): SealingKeyMaterial {
    const phiId = this.activeKeyId('phi');
    const indexId = this.activeKeyId('blind-index');
    const phi = this.keys.get(phiId);
    const index = this.keys.get(indexId);
    if (!phi || !index) throw new Error('active data keys are not loaded');
    return { phi: { id: phiId, key: Uint8Array.from(phi) }, blindIndex: { id: indexId, key: Uint8Array.from(index) } };
  }

  private blindIndexKey(): Buffer {
    const keyId = this.active.get('blind-index');
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (!key) throw new Error('no active blind-index key');
    return key;
  }

  activeKeyId(purpose: KeyPurpose): number {
    const id = this.active.get(purpose);
    if (id === undefined) throw new Error(`no active ${purpose} data key`);
    return id;
  }

  /** Makes a fresh data key current for `purpose`; older keys stay for decryption until rows are re-encrypted. */
  async rotate(purpose: Exclude<KeyPurpose, 'blind-index'>): Promise<number> {
    return this.createDataKey(purpose);
  }

  private async createDataKey(purpose: KeyPurpose, onlyIfMissing = false): Promise<number> {
    const key = randomBytes(32);
    const wrapped = await this.provider.wrap(key);
    const id = await this.dataKeys.manager.transaction(async (tx) => {
      // Processes starting together must not each make a key: one wins, the others load it.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('data_keys:' || $1))`, [purpose]);
      if (onlyIfMissing) {
        const existing = await tx.findOne(DataKeyEntity, { where: { purpose, status: 'active' } });
        if (existing) return existing.id;
      }
      await tx.query(`UPDATE data_keys SET status = 'retired', retired_at = now() WHERE purpose = $1 AND status = 'active'`, [purpose]);
      const saved = await tx.save(DataKeyEntity, { purpose, masterKeyId: this.provider.id, wrappedKey: wrapped, status: 'active', retiredAt: null });
      return saved.id;
    });
    if (!this.keys.has(id)) await this.loadKeys();
    else this.keys.set(id, key);
    this.active.set(purpose, id);
    return id;
  }

  /**
   * Master-key rotation: every data key, unwrapped under the current master key, is wrapped under
   * `next` in one transaction. Values are untouched (they are under the data keys); processes then
   * restart with the new master key. Returns the number of data keys re-wrapped.
   */
  async rewrapDataKeys(next: KeyProvider): Promise<{ rewrapped: number; from: string[]; to: string }> {
    return this.dataKeys.manager.transaction(async (tx) => {
      const rows = await tx.query<{ id: number; master_key_id: string; wrapped_key: Buffer }[]>(
        `SELECT id, master_key_id, wrapped_key FROM data_keys ORDER BY id FOR UPDATE`,
      );
      for (const row of rows) {
        const rewrapped = await next.wrap(await this.provider.unwrap(row.wrapped_key));
        await tx.query(`UPDATE data_keys SET wrapped_key = $2, master_key_id = $3 WHERE id = $1`, [row.id, rewrapped, next.id]);
      }
      return { rewrapped: rows.length, from: [...new Set(rows.map((r) => r.master_key_id))], to: next.id };
    });
  }

  /** Picks up keys made by other processes (a rotation started elsewhere). */
  async reloadKeys() {
    await this.loadKeys();
  }

  private async loadKeys() {
    const rows = await this.dataKeys.find({ order: { id: 'ASC' } });
    for (const row of rows) {
      if (!this.keys.has(row.id)) this.keys.set(row.id, await this.provider.unwrap(row.wrappedKey));
      if (row.status === 'active') this.active.set(row.purpose, row.id);
    }
  }
}
