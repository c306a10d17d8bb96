import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type AuditActor, AuditService } from '../audit/index.js';
import { type ConsentChange, ConsentService, PreferenceTokens, TopicsService } from '../consent/index.js';
import { ContactsService } from './contacts.service.js';

export interface PreferencePage {
  emailMasked: string;
  topics: { key: string; name: string; description: string; kind: 'marketing' | 'transactional'; subscribed: boolean }[];
  suppressed: boolean;
}

type Client = { ip: string | null; userAgent: string | null };

/** The public, token-based preference center and double opt-in confirmation. No login; every change is in the ledger. */
@Injectable()
export class PreferenceCenterService {
  constructor(
    private readonly tokens: PreferenceTokens,
    private readonly contacts: ContactsService,
    private readonly consent: ConsentService,
    private readonly topics: TopicsService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async page(token: string): Promise<PreferencePage | null> {
    const contactId = await this.contactOf(token);
    if (!contactId) return null;
    const contact = await this.contacts.get(contactId);
    if (contact.status !== 'active' || !contact.emailMasked) return null;
    const states = new Map((await this.consent.current(contactId)).map((s) => [s.topicId, s.status]));
    const emailToken = await this.contacts.emailTokenOf(contactId);
    const suppression = emailToken ? await this.consent.suppressionOf(emailToken) : null;
    return {
      emailMasked: contact.emailMasked,
      topics: (await this.topics.list()).map((t) => ({
        key: t.key,
        name: t.name,
        description: t.description,
        kind: t.kind,
        subscribed: states.get(t.id) === 'confirmed' && !(t.kind === 'marketing' && suppression),
      })),
      suppressed: suppression !== null,
    };
  }

  /** Sets the marketing topics to exactly `wanted`; a resubscribe also lifts an unsubscribe suppression. */
  async save(token: string, wanted: string[], client: Client): Promise<boolean> {
    const contactId = await this.contactOf(token);
    if (!contactId) return false;
    const states = new Map((await this.consent.current(contactId)).map((s) => [s.topicId, s.status]));
    const changes: ConsentChange[] = [];
    for (const topic of await this.topics.list()) {
      if (topic.kind !== 'marketing') continue;
      const want = wanted.includes(topic.key);
      const has = states.get(topic.id) === 'confirmed';
      if (want !== has) changes.push(this.change(contactId, topic.id, want ? 'confirmed' : 'revoked', 'preference_center', client));
    }
    await this.dataSource.transaction(async (tx) => {
      await this.consent.record(tx, changes);
      if (wanted.length) {
        const emailToken = await this.contacts.emailTokenOf(contactId);
        if (emailToken) await tx.query(`DELETE FROM suppressions WHERE email_token = $1 AND reason = 'unsubscribe'`, [emailToken]);
      }
    });
    await this.audit.record({
      actor: this.actor(client),
      action: 'preferences.updated',
      subject: { type: 'contact', id: contactId },
      details: { changes: changes.length },
    });
    return true;
  }

  /** Unsubscribe from all marketing: every marketing topic revoked, and the address suppressed. Immediate. */
  async unsubscribeAll(token: string, client: Client, method: 'preference_center' | 'unsubscribe' = 'unsubscribe'): Promise<boolean> {
    const contactId = await this.contactOf(token);
    if (!contactId) return false;
    const states = new Map((await this.consent.current(contactId)).map((s) => [s.topicId, s.status]));
    const changes = (await this.topics.list())
      .filter((t) => t.kind === 'marketing' && states.get(t.id) !== undefined && states.get(t.id) !== 'revoked')
      .map((t) => this.change(contactId, t.id, 'revoked', method, client));
    const emailToken = await this.contacts.emailTokenOf(contactId);
    await this.dataSource.transaction(async (tx) => {
      await this.consent.record(tx, changes);
      if (emailToken) await this.consent.suppress(emailToken, 'unsubscribe', 'preference_center', { type: 'anonymous' }, tx);
    });
    await this.audit.record({
      actor: this.actor(client),
      action: 'preferences.unsubscribed-all',
      subject: { type: 'contact', id: contactId },
      details: { topicsRevoked: changes.length },
    });
    return true;
  }

  /** Double opt-in: the pending consent of the token's topic becomes confirmed. */
  async confirm(token: string, client: Client): Promise<{ topicName: string } | null> {
    const claim = await this.tokens.verify('confirm', token);
    if (!claim?.topicId) return null;
    const topic = await this.topics.get(claim.topicId).catch(() => null);
    if (!topic) return null;
    const state = (await this.consent.current(claim.contactId)).find((s) => s.topicId === claim.topicId);
    if (state?.status === 'revoked') return null;
    if (state?.status !== 'confirmed') {
      await this.consent.recordOne(this.change(claim.contactId, claim.topicId, 'confirmed', 'double_opt_in', client));
      await this.audit.record({
        actor: this.actor(client),
        action: 'consent.confirmed',
        subject: { type: 'contact', id: claim.contactId },
        details: { topic: topic.key },
      });
    }
    return { topicName: topic.name };
  }

  private async contactOf(token: string): Promise<string | null> {
    return (await this.tokens.verify('preferences', token))?.contactId ?? null;
  }

  private change(contactId: string, topicId: number, status: 'confirmed' | 'revoked', method: ConsentChange['method'], client: Client): ConsentChange {
    return {
      contactId,
      topicId,
      status,
      method,
      source: 'preference_center',
      evidence: { ip: client.ip, userAgent: client.userAgent },
      actor: { type: 'anonymous' },
    };
  }

  private actor(client: Client): AuditActor {
    return { type: 'anonymous', ip: client.ip, userAgent: client.userAgent };
  }
}
