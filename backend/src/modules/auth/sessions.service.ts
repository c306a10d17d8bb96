import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { SessionEntity } from './entities/session.entity.js';

/** A session that has not passed MFA lives only this long. */
export const PENDING_MFA_TTL_MS = 10 * 60_000;
/** last_seen_at is written at most this often, so each request is not a write. */
const TOUCH_EVERY_MS = 30_000;

export interface IssuedSession {
  token: string;
  csrfToken: string;
  session: SessionEntity;
}

export type ResolvedSession = { state: 'valid'; session: SessionEntity } | { state: 'expired' | 'missing' };

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get idleMs() {
    return this.config.SESSION_IDLE_MINUTES * 60_000;
  }

  async issue(userId: string, client: { ip: string | null; userAgent: string | null }, mfaPassed: boolean, now = new Date()): Promise<IssuedSession> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const ttl = mfaPassed ? this.config.SESSION_ABSOLUTE_HOURS * 3_600_000 : PENDING_MFA_TTL_MS;
    const session = this.sessions.create({
      id: hashToken(token),
      userId,
      mfaPassed,
      csrfToken,
      ip: client.ip,
      userAgent: client.userAgent,
      createdAt: now,
      lastSeenAt: now,
      absoluteExpiresAt: new Date(now.getTime() + ttl),
      revokedAt: null,
      revokedReason: null,
    });
    await this.sessions.insert(session);
    return { token, csrfToken, session };
  }

  /** Finds the session of a cookie token and applies the idle and absolute timeouts. */
  async resolve(token: string, now = new Date()): Promise<ResolvedSession> {
    const session = await this.sessions.findOne({ where: { id: hashToken(token) } });
    if (!session || session.revokedAt) return { state: 'missing' };
    if (session.absoluteExpiresAt.getTime() <= now.getTime()) {
      await this.revoke(session.id, 'absolute_timeout');
      return { state: 'expired' };
    }
    if (now.getTime() - session.lastSeenAt.getTime() >= this.idleMs) {
      await this.revoke(session.id, 'idle_timeout');
      return { state: 'expired' };
    }
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
      await this.sessions.update({ id: session.id }, { lastSeenAt: now });
      session.lastSeenAt = now;
    }
    return { state: 'valid', session };
  }

  async revoke(id: Buffer, reason: string): Promise<void> {
    await this.sessions.update({ id, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
  }

  async revokeAllForUserExcept(userId: string, keepHexId: string | null, reason: string): Promise<number> {
    const qb = this.sessions
      .createQueryBuilder()
      .update()
      .set({ revokedAt: new Date(), revokedReason: reason })
      .where('user_id = :userId AND revoked_at IS NULL', { userId });
    if (keepHexId) qb.andWhere('id <> :keep', { keep: Buffer.from(keepHexId, 'hex') });
    return (await qb.execute()).affected ?? 0;
  }

  /** Revokes every live session of a user; returns how many. */
  async revokeAllForUser(userId: string, reason: string): Promise<number> {
    const result = await this.sessions.update({ userId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
    return result.affected ?? 0;
  }
}
