import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { API_KEY_SCOPES, type Permission } from '../../platform/http/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';

const KEY_PREFIX = 'hm_';
const TOUCH_EVERY_MS = 60_000;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: Permission[];
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

function hashKey(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Owns api_keys: issued once, stored hashed, scoped, expiring, revocable. */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly audit: AuditService,
  ) {}

  async create(input: { name: string; scopes: Permission[]; expiresAt?: Date }, actor: AuditActor): Promise<{ key: string; apiKey: ApiKeyView }> {
    const unknown = input.scopes.filter((s) => !API_KEY_SCOPES.includes(s));
    if (unknown.length) {
      throw new DomainError('api_key_scope', `scopes not allowed for API keys: ${unknown.join(', ')}`, 400, [
        { field: 'scopes', message: `allowed: ${API_KEY_SCOPES.join(', ')}` },
      ]);
    }
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
      throw new DomainError('api_key_expiry', 'expiresAt must be in the future', 400, [{ field: 'expiresAt', message: 'must be in the future' }]);
    const secret = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const entity = await this.keys.save(
      this.keys.create({
        name: input.name,
        prefix: secret.slice(0, 11),
        keyHash: hashKey(secret),
        scopes: [...new Set(input.scopes)],
        createdBy: actor.type === 'user' ? (actor.id ?? null) : null,
        expiresAt: input.expiresAt ?? null,
        lastUsedAt: null,
        lastUsedIp: null,
        revokedAt: null,
      }),
    );
    await this.audit.record({
      actor,
      action: 'api-key.created',
      subject: { type: 'api_key', id: entity.id },
      details: { prefix: entity.prefix, scopes: entity.scopes, expiresAt: entity.expiresAt?.toISOString() ?? null },
    });
    return { key: secret, apiKey: toView(entity) };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.keys.find({ order: { createdAt: 'DESC' } })).map(toView);
  }

  async revoke(id: string, actor: AuditActor): Promise<ApiKeyView> {
    const key = await this.keys.findOne({ where: { id } });
    if (!key) throw new DomainError('api_key_not_found', 'API key not found', 404);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: key.revokedAt });
      await this.audit.record({ actor, action: 'api-key.revoked', subject: { type: 'api_key', id }, details: { prefix: key.prefix } });
    }
    return toView(key);
  }

  /** The key for a presented secret, if it is live; records its use (throttled). */
  async authenticate(secret: string, ip: string | null, now = new Date()): Promise<ApiKeyEntity | null> {
    if (!secret.startsWith(KEY_PREFIX)) return null;
    const key = await this.keys.findOne({ where: { keyHash: hashKey(secret) } });
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now.getTime())) return null;
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
      await this.keys.update({ id: key.id }, { lastUsedAt: now, lastUsedIp: ip });
    }
    return key;
  }
}

function toView(k: ApiKeyEntity): ApiKeyView {
  const status = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt.getTime() <= Date.now() ? 'expired' : 'active';
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdBy: k.createdBy,
    createdAt: k.createdAt.toISOString(),
    expiresAt: k.expiresAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    status,
  };
}
