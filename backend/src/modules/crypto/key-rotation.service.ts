import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource, Repository } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { JobName, type JobPayloads, QueueName } from '../../platform/queue/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { CryptoService } from './crypto.service.js';
import { ENCRYPTED_COLUMNS, type EncryptedColumn } from './encrypted-columns.js';
import { KeyRotationEntity } from './entities/key-rotation.entity.js';

const BATCH = 500;

export interface KeyRotationView {
  id: number;
  purpose: 'phi' | 'secrets';
  toKeyId: number;
  status: 'running' | 'completed' | 'failed';
  total: number;
  done: number;
  percent: number;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/**
 * Key rotation without downtime: a new data key becomes current at once (new writes use it),
 * and a background job re-encrypts existing values batch by batch. Progress is in Postgres;
 * a killed worker resumes where the rows say it stopped (rows not yet under the new key).
 */
@Injectable()
export class KeyRotationService {
  private readonly logger = new Logger(KeyRotationService.name);

  constructor(
    @InjectRepository(KeyRotationEntity) private readonly rotations: Repository<KeyRotationEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Crypto) private readonly queue: Queue<JobPayloads[JobName.CryptoReencrypt]>,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
  ) {}

  async start(purpose: 'phi' | 'secrets', actor: AuditActor): Promise<KeyRotationView> {
    if (await this.rotations.exists({ where: { purpose, status: 'running' } })) {
      throw new DomainError('rotation_running', `A ${purpose} key rotation is already running`, 409);
    }
    const toKeyId = await this.crypto.rotate(purpose);
    const total = await this.remaining(purpose, toKeyId);
    const rotation = await this.rotations.save(
      this.rotations.create({
        purpose,
        toKeyId,
        status: 'running',
        total,
        done: 0,
        requestedBy: actor.id ?? null,
        error: null,
        startedAt: new Date(),
        updatedAt: new Date(),
        finishedAt: null,
      }),
    );
    await this.audit.record({
      actor,
      action: 'crypto.key-rotated',
      subject: { type: 'data_key', id: String(toKeyId) },
      details: { purpose, rotationId: rotation.id, rowsToReencrypt: total },
    });
    await this.enqueue(rotation.id);
    return toView(rotation);
  }

  async list(): Promise<KeyRotationView[]> {
    return (await this.rotations.find({ order: { id: 'DESC' }, take: 50 })).map(toView);
  }

  async get(id: number): Promise<KeyRotationView> {
    const rotation = await this.rotations.findOne({ where: { id } });
    if (!rotation) throw new DomainError('rotation_not_found', `Key rotation ${id} does not exist`, 404);
    return toView(rotation);
  }

  /** Re-enqueues rotations left running (a worker or Redis lost them). The job id dedupes. */
  async resumeRunning(): Promise<number> {
    const running = await this.rotations.find({ where: { status: 'running' } });
    for (const r of running) await this.enqueue(r.id);
    return running.length;
  }

  /** The job body: re-encrypts every column of the purpose until nothing under an old key is left. */
  async run(rotationId: number): Promise<void> {
    const rotation = await this.rotations.findOne({ where: { id: rotationId } });
    if (!rotation || rotation.status !== 'running') return;
    await this.crypto.reloadKeys();
    if (this.crypto.activeKeyId(rotation.purpose) !== rotation.toKeyId) {
      await this.finish(rotation, 'failed', 'a newer key became current during the rotation');
      return;
    }
    try {
      for (const column of ENCRYPTED_COLUMNS.filter((c) => c.purpose === rotation.purpose)) {
        for (;;) {
          const n = await this.reencryptBatch(column, rotation.toKeyId);
          if (n === 0) break;
          await this.rotations.increment({ id: rotation.id }, 'done', n);
          await this.rotations.update({ id: rotation.id }, { updatedAt: new Date() });
        }
      }
      await this.finish(rotation, 'completed', null);
    } catch (err) {
      const message = err instanceof DomainError ? err.message : 'unexpected error';
      this.logger.error({ err, rotationId }, 'key rotation failed');
      await this.finish(rotation, 'failed', message);
    }
  }

  /** Rows of every encrypted column still under another key than `keyId`. */
  async remaining(purpose: 'phi' | 'secrets', keyId: number): Promise<number> {
    let total = 0;
    for (const c of ENCRYPTED_COLUMNS.filter((col) => col.purpose === purpose)) {
      const [row] = await this.dataSource.query<[{ n: number }]>(
        `SELECT count(*)::int AS n FROM ${c.table} WHERE ${c.column} IS NOT NULL AND substring(${c.column} from 2 for 4) <> $1`,
        [keyIdBytes(keyId)],
      );
      total += row.n;
    }
    return total;
  }

  private async reencryptBatch(c: EncryptedColumn, keyId: number): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; value: Buffer }[]>(
        `SELECT ${c.idColumn}::text AS id, ${c.column} AS value FROM ${c.table}
          WHERE ${c.column} IS NOT NULL AND substring(${c.column} from 2 for 4) <> $1
          ORDER BY ${c.idColumn} LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        [keyIdBytes(keyId)],
      );
      if (rows.length === 0) return 0;
      const ids: string[] = [];
      const values: Buffer[] = [];
      for (const row of rows) {
        const aad = CryptoService.aad(c.table, c.column, row.id);
        const plain = await this.crypto.decrypt(row.value, aad);
        ids.push(row.id);
        values.push(this.crypto.encrypt(c.purpose, plain, aad));
        plain.fill(0);
      }
      await tx.query(
        `UPDATE ${c.table} AS t SET ${c.column} = v.value
           FROM unnest($1::text[], $2::bytea[]) AS v(id, value)
          WHERE t.${c.idColumn} = v.id::${c.idType}`,
        [ids, values],
      );
      return rows.length;
    });
  }

  private async finish(rotation: KeyRotationEntity, status: 'completed' | 'failed', error: string | null) {
    await this.rotations.update({ id: rotation.id }, { status, error, finishedAt: new Date(), updatedAt: new Date() });
    await this.audit.record({
      actor: { type: 'system' },
      action: 'crypto.reencrypt-finished',
      subject: { type: 'key_rotation', id: String(rotation.id) },
      outcome: status === 'completed' ? 'success' : 'failure',
      details: { purpose: rotation.purpose, error },
    });
  }

  private async enqueue(rotationId: number) {
    await this.queue.add(JobName.CryptoReencrypt, { rotationId }, { jobId: `reencrypt-${rotationId}`, attempts: 10 });
  }
}

function keyIdBytes(keyId: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(keyId);
  return b;
}

function toView(r: KeyRotationEntity): KeyRotationView {
  return {
    id: r.id,
    purpose: r.purpose,
    toKeyId: r.toKeyId,
    status: r.status,
    total: r.total,
    done: r.done,
    percent: r.total === 0 ? 100 : Math.min(100, Math.round((r.done / r.total) * 100)),
    error: r.error,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}
