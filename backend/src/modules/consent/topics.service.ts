import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { TopicEntity } from './entities/topic.entity.js';

export interface TopicInput {
  key: string;
  name: string;
  description?: string;
  kind: 'marketing' | 'transactional';
  requiresAuthorization?: boolean;
  doubleOptIn?: boolean;
}

/** Owns topics: what a contact can subscribe to, marketing or transactional. */
@Injectable()
export class TopicsService {
  constructor(
    @InjectRepository(TopicEntity) private readonly topics: Repository<TopicEntity>,
    private readonly audit: AuditService,
  ) {}

  async list(includeArchived = false): Promise<TopicEntity[]> {
    const all = await this.topics.find({ order: { id: 'ASC' } });
    return includeArchived ? all : all.filter((t) => !t.archivedAt);
  }

  async get(id: number): Promise<TopicEntity> {
    const topic = await this.topics.findOne({ where: { id } });
    if (!topic) throw new DomainError('topic_not_found', 'Topic not found', 404);
    return topic;
  }

  async byKey(key: string): Promise<TopicEntity> {
    const topic = await this.topics.findOne({ where: { key } });
    if (!topic) throw new DomainError('topic_not_found', `No topic with key "${key.slice(0, 64)}"`, 404, [{ field: 'topic', message: 'no such topic' }]);
    return topic;
  }

  async create(input: TopicInput, actor: AuditActor): Promise<TopicEntity> {
    if (await this.topics.exists({ where: { key: input.key } }))
      throw new DomainError('topic_exists', 'A topic with this key exists', 409, [{ field: 'key', message: 'already in use' }]);
    const topic = await this.topics.save(
      this.topics.create({
        key: input.key,
        name: input.name,
        description: input.description ?? '',
        kind: input.kind,
        requiresAuthorization: input.requiresAuthorization ?? false,
        doubleOptIn: input.doubleOptIn ?? input.kind === 'marketing',
        archivedAt: null,
      }),
    );
    await this.audit.record({
      actor,
      action: 'topic.created',
      subject: { type: 'topic', id: String(topic.id) },
      details: { key: topic.key, kind: topic.kind },
    });
    return topic;
  }

  async update(id: number, changes: Partial<Omit<TopicInput, 'key'>> & { archived?: boolean }, actor: AuditActor): Promise<TopicEntity> {
    const topic = await this.get(id);
    if (changes.name !== undefined) topic.name = changes.name;
    if (changes.description !== undefined) topic.description = changes.description;
    if (changes.kind !== undefined) topic.kind = changes.kind;
    if (changes.requiresAuthorization !== undefined) topic.requiresAuthorization = changes.requiresAuthorization;
    if (changes.doubleOptIn !== undefined) topic.doubleOptIn = changes.doubleOptIn;
    if (changes.archived !== undefined) topic.archivedAt = changes.archived ? (topic.archivedAt ?? new Date()) : null;
    const saved = await this.topics.save(topic);
    await this.audit.record({ actor, action: 'topic.updated', subject: { type: 'topic', id: String(id) }, details: { fields: Object.keys(changes) } });
    return saved;
  }
}
