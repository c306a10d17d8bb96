import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { APP_VERSION, PROCESS_ROLES, type ProcessRole } from '../../platform/process/process-role.js';
import { ProcessHeartbeatEntity } from './entities/process-heartbeat.entity.js';

export interface ProcessStatus {
  role: ProcessRole;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  lastSeenAt: string;
  alive: boolean;
}

/** Each process records that it is alive; the dashboard and operators read it. */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HeartbeatService.name);
  private readonly startedAt = new Date();
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(ProcessHeartbeatEntity) private readonly heartbeats: Repository<ProcessHeartbeatEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROCESS_ROLES) private readonly roles: ProcessRole[],
  ) {}

  async onApplicationBootstrap() {
    if (this.roles.length === 0) return; // a one-off command, not a long-running process
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((err: unknown) => this.logger.warn({ err }, 'heartbeat failed'));
    }, this.config.HEARTBEAT_SECONDS * 1000);
    this.timer.unref();
  }

  async beforeApplicationShutdown() {
    clearInterval(this.timer);
    await this.heartbeats.delete(this.roles.map((role) => this.idFor(role))).catch(() => undefined);
  }

  async beat(now = new Date()) {
    await this.heartbeats.upsert(
      this.roles.map((role) => ({
        id: this.idFor(role),
        role,
        host: hostname(),
        pid: process.pid,
        version: APP_VERSION,
        startedAt: this.startedAt,
        lastSeenAt: now,
      })),
      ['id'],
    );
  }

  async list(now = new Date()): Promise<ProcessStatus[]> {
    const rows = await this.heartbeats.find({ order: { role: 'ASC', startedAt: 'ASC' } });
    const staleBefore = now.getTime() - this.config.HEARTBEAT_SECONDS * 3000;
    return rows.map((row) => ({
      role: row.role,
      host: row.host,
      pid: row.pid,
      version: row.version,
      startedAt: row.startedAt.toISOString(),
      lastSeenAt: row.lastSeenAt.toISOString(),
      alive: row.lastSeenAt.getTime() >= staleBefore,
    }));
  }

  /** Forgets processes not seen for a day (crashed without a clean shutdown). */
  async pruneStale(now = new Date()): Promise<number> {
    const result = await this.heartbeats.delete({ lastSeenAt: LessThan(new Date(now.getTime() - 86_400_000)) });
    return result.affected ?? 0;
  }

  private idFor(role: ProcessRole) {
    return `${role}:${hostname()}:${process.pid}:${this.startedAt.getTime()}`;
  }
}
