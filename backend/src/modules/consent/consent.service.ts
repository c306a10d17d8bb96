import { nextIds } from '../../platform/database/index.js';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { copyRows } from '../../platform/database/copy.js';
import { DomainError } from '../../platform/errors/index.js';

import { CryptoService } from '../crypto/index.js';
import type { ConsentChange, ConsentEvidence, ConsentMethod, ConsentStatus, Eligibility, SuppressionReason } from './consent.types.js';
import { TopicsService } from './topics.service.js';

export interface ConsentEventView {
  id: string;
  topicId: number;
  topicKey: string;
  status: ConsentStatus;
  method: ConsentMethod;
  source: string;
  importId: string | null;
  actorType: string;
  actorId: string | null;
  occurredAt: string;
  evidence: ConsentEvidence | null;
}

export interface ConsentStateView {
  topicId: number;
  topicKey: string;
  topicName: string;
  kind: 'marketing' | 'transactional';
  status: ConsentStatus;
  method: string;
  updatedAt: string;
}

/**
 * Owns the consent ledger (append-only), the derived current state, suppressions and HIPAA
 * marketing authorizations, and answers the one question sending code asks:
 * may this contact receive this topic now?
 */
@Injectable()
export class ConsentService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly topics: TopicsService,
  ) {}

  /** Appends ledger events and moves the current state, in the caller's transaction. */
  async record(tx: EntityManager, changes: ConsentChange[]): Promise<void> {
    if (!changes.length) return;
    const ids = await nextIds(tx, 'consent_events_id_seq', changes.length);
    const evidence = changes.map((c, i) =>
      c.evidence ? this.crypto.encrypt('phi', JSON.stringify(c.evidence), CryptoService.aad('consent_events', 'evidence', ids[i])) : null,
    );
    await tx.query(
      `INSERT INTO consent_events (id, contact_id, topic_id, status, method, source, evidence, import_id, actor_type, actor_id)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::bigint[], $9::text[], $10::text[])`,
      [
        ids,
        changes.map((c) => c.contactId),
        changes.map((c) => c.topicId),
        changes.map((c) => c.status),
        changes.map((c) => c.method),
        changes.map((c) => c.source),
        evidence,
        changes.map((c) => c.importId ?? null),
        changes.map((c) => c.actor.type),
        changes.map((c) => c.actor.id ?? null),
      ],
    );
    // Several changes for the same pair in one call: the last one decides the state.
    const last = new Map<string, number>();
    changes.forEach((c, i) => last.set(`${c.contactId}:${c.topicId}`, i));
    const idx = [...last.values()];
    await tx.query(
      `INSERT INTO consent_state (contact_id, topic_id, status, method, last_event_id, updated_at)
       SELECT c, t, s, m, e, now() FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::bigint[]) AS v(c, t, s, m, e)
       ON CONFLICT (contact_id, topic_id) DO UPDATE SET status = EXCLUDED.status, method = EXCLUDED.method, last_event_id = EXCLUDED.last_event_id, updated_at = now()`,
      [
        idx.map((i) => changes[i].contactId),
        idx.map((i) => changes[i].topicId),
        idx.map((i) => changes[i].status),
        idx.map((i) => changes[i].method),
        idx.map((i) => ids[i]),
      ],
    );
  }

  /**
   * Consent of contacts created in this same transaction (they have no state yet): the ledger
   * rows and the state rows go in with COPY. Changes with evidence take the general path.
   */
  async recordForNewContacts(tx: EntityManager, changes: ConsentChange[]): Promise<void> {
    const plain = changes.filter((c) => !c.evidence);
    await this.record(
      tx,
      changes.filter((c) => c.evidence),
    );
    if (!plain.length) return;
    const ids = await nextIds(tx, 'consent_events_id_seq', plain.length);
    await copyRows(
      tx,
      'consent_events',
      [
        { name: 'id', type: 'int8' },
        { name: 'contact_id', type: 'int8' },
        { name: 'topic_id', type: 'int4' },
        { name: 'status', type: 'text' },
        { name: 'method', type: 'text' },
        { name: 'source', type: 'text' },
        { name: 'import_id', type: 'int8' },
        { name: 'actor_type', type: 'text' },
        { name: 'actor_id', type: 'text' },
      ],
      plain.map((c, i) => [ids[i], c.contactId, c.topicId, c.status, c.method, c.source, c.importId ?? null, c.actor.type, c.actor.id ?? null]),
    );
    const now = new Date();
    const last = new Map<string, number>();
    plain.forEach((c, i) => last.set(`${c.contactId}:${c.topicId}`, i));
    await copyRows(
      tx,
      'consent_state',
      [
        { name: 'contact_id', type: 'int8' },
        { name: 'topic_id', type: 'int4' },
        { name: 'status', type: 'text' },
        { name: 'method', type: 'text' },
        { name: 'last_event_id', type: 'int8' },
        { name: 'updated_at', type: 'timestamptz' },
      ],
      [...last.values()].map((i) => [plain[i].contactId, plain[i].topicId, plain[i].status, plain[i].method, ids[i], now]),
    );
  }

  /** Records only the changes that move a state (re-running an import appends nothing). */
  async recordIfChanged(tx: EntityManager, changes: ConsentChange[]): Promise<number> {
    if (!changes.length) return 0;
    const current = await tx.query<{ c: string; t: number; status: ConsentStatus }[]>(
      `SELECT contact_id::text AS c, topic_id AS t, status FROM consent_state WHERE contact_id = ANY($1::bigint[]) AND topic_id = ANY($2::int[])`,
      [[...new Set(changes.map((c) => c.contactId))], [...new Set(changes.map((c) => c.topicId))]],
    );
    const state = new Map(current.map((r) => [`${r.c}:${r.t}`, r.status]));
    const moving = changes.filter((c) => state.get(`${c.contactId}:${c.topicId}`) !== c.status);
    await this.record(tx, moving);
    return moving.length;
  }

  async recordOne(change: ConsentChange): Promise<void> {
    await this.dataSource.transaction((tx) => this.record(tx, [change]));
  }

  async current(contactId: string): Promise<ConsentStateView[]> {
    const rows = await this.dataSource.query<
      { topic_id: number; key: string; name: string; kind: 'marketing' | 'transactional'; status: ConsentStatus; method: string; updated_at: Date }[]
    >(
      `SELECT s.topic_id, t.key, t.name, t.kind, s.status, s.method, s.updated_at
         FROM consent_state s JOIN topics t ON t.id = s.topic_id WHERE s.contact_id = $1 ORDER BY t.id`,
      [contactId],
    );
    return rows.map((r) => ({
      topicId: r.topic_id,
      topicKey: r.key,
      topicName: r.name,
      kind: r.kind,
      status: r.status,
      method: r.method,
      updatedAt: r.updated_at.toISOString(),
    }));
  }

  /** The full ledger of a contact, evidence decrypted (callers audit the read). */
  async history(contactId: string): Promise<ConsentEventView[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        topic_id: number;
        key: string;
        status: ConsentStatus;
        method: ConsentMethod;
        source: string;
        evidence: Buffer | null;
        import_id: string | null;
        actor_type: string;
        actor_id: string | null;
        occurred_at: Date;
      }[]
    >(
      `SELECT e.id::text AS id, e.topic_id, t.key, e.status, e.method, e.source, e.evidence, e.import_id::text AS import_id, e.actor_type, e.actor_id, e.occurred_at
         FROM consent_events e JOIN topics t ON t.id = e.topic_id WHERE e.contact_id = $1 ORDER BY e.id`,
      [contactId],
    );
    const out: ConsentEventView[] = [];
    for (const r of rows) {
      out.push({
        id: r.id,
        topicId: r.topic_id,
        topicKey: r.key,
        status: r.status,
        method: r.method,
        source: r.source,
        importId: r.import_id,
        actorType: r.actor_type,
        actorId: r.actor_id,
        occurredAt: r.occurred_at.toISOString(),
        evidence: r.evidence
          ? (JSON.parse(await this.crypto.decryptText(r.evidence, CryptoService.aad('consent_events', 'evidence', r.id))) as ConsentEvidence)
          : null,
      });
    }
    return out;
  }

  /** Erasure: the ledger stays (who consented to what, when, how) but its evidence (IP, user agent) goes. */
  async eraseEvidence(tx: EntityManager, contactId: string): Promise<void> {
    await tx.query(`UPDATE consent_events SET evidence = NULL WHERE contact_id = $1 AND evidence IS NOT NULL`, [contactId]);
  }

  // ---- suppression (by e-mail token: it outlives the contact record) ----

  async suppress(
    emailToken: Buffer,
    reason: SuppressionReason,
    source: string,
    actor: { type: string; id?: string | null },
    tx?: EntityManager,
  ): Promise<boolean> {
    const result = await (tx ?? this.dataSource.manager).query<unknown[]>(
      `INSERT INTO suppressions (email_token, reason, source, actor_type, actor_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email_token) DO NOTHING RETURNING id`,
      [emailToken, reason, source, actor.type, actor.id ?? null],
    );
    return result.length > 0;
  }

  async unsuppress(id: string): Promise<{ email_token: Buffer; reason: string } | null> {
    const [rows] = await this.dataSource.query<[{ email_token: Buffer; reason: string }[], number]>(
      `DELETE FROM suppressions WHERE id = $1 RETURNING email_token, reason`,
      [id],
    );
    return rows[0] ?? null;
  }

  async suppressionOf(emailToken: Buffer): Promise<{ id: string; reason: SuppressionReason; createdAt: string } | null> {
    const [row] = await this.dataSource.query<[{ id: string; reason: SuppressionReason; created_at: Date }?]>(
      `SELECT id::text AS id, reason, created_at FROM suppressions WHERE email_token = $1`,
      [emailToken],
    );
    return row ? { id: row.id, reason: row.reason, createdAt: row.created_at.toISOString() } : null;
  }

  /**
   * May this contact receive this topic now? Marketing needs confirmed consent, no suppression of
   * any kind, and (when the topic asks for it) a live HIPAA marketing authorization. Transactional
   * mail is stopped only by an explicit revocation or a bounce/complaint/manual suppression.
   */
  async mayReceive(contactId: string, topicKey: string, now = new Date()): Promise<Eligibility> {
    const topic = await this.topics.byKey(topicKey).catch(() => null);
    if (!topic) return { allowed: false, reason: 'topic_missing' };
    if (topic.archivedAt) return { allowed: false, reason: 'topic_archived' };
    return (await this.mayReceiveMany([contactId], topic.id, now)).get(contactId) ?? { allowed: false, reason: 'contact_missing' };
  }

  /**
   * mayReceive for many contacts at once (the delivery worker's last check before sending). With no
   * topic, only the contact's state and suppressions count (test sends, transactional mail without a topic).
   */
  async mayReceiveMany(contactIds: readonly string[], topicId: number | null, now = new Date()): Promise<Map<string, Eligibility>> {
    const result = new Map<string, Eligibility>();
    if (contactIds.length === 0) return result;
    const topic = topicId === null ? null : await this.topics.get(topicId).catch(() => null);
    if (topicId !== null && !topic) {
      for (const id of contactIds) result.set(id, { allowed: false, reason: 'topic_missing' });
      return result;
    }
    const rows = await this.dataSource.query<(EligibilityRow & { id: string })[]>(
      `SELECT c.id::text AS id, c.status AS contact_status, s.status AS consent_status, sup.reason AS suppression,
              EXISTS (SELECT 1 FROM marketing_authorizations a WHERE a.contact_id = c.id AND a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > $3)) AS authorized
         FROM contacts c
         LEFT JOIN consent_state s ON s.contact_id = c.id AND s.topic_id = $2
         LEFT JOIN suppressions sup ON sup.email_token = c.email_token
        WHERE c.id = ANY($1::bigint[])`,
      [contactIds, topicId ?? 0, now],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of contactIds) result.set(id, decide(topic, byId.get(id)));
    return result;
  }

  // ---- HIPAA marketing authorizations ----

  async addAuthorizationText(input: { version: string; title: string; purpose: string; body: string }): Promise<number> {
    const [row] = await this.dataSource.query<[{ id: number }?]>(
      `INSERT INTO authorization_texts (version, title, purpose, body) VALUES ($1, $2, $3, $4) ON CONFLICT (version) DO NOTHING RETURNING id`,
      [input.version, input.title, input.purpose, input.body],
    );
    if (!row)
      throw new DomainError('authorization_text_exists', 'An authorization text with this version exists: texts are immutable, publish a new version', 409, [
        { field: 'version', message: 'already exists' },
      ]);
    return row.id;
  }

  async listAuthorizationTexts(): Promise<{ id: number; version: string; title: string; purpose: string; body: string; createdAt: string }[]> {
    const rows = await this.dataSource.query<
      {
        id: number;
        version: string;
        title: string;
        purpose: string;
        body: string;
        created_at: Date;
      }[]
    >(`SELECT id, version, title, purpose, body, created_at FROM authorization_texts ORDER BY id DESC`);
    return rows.map((r) => ({ id: r.id, version: r.version, title: r.title, purpose: r.purpose, body: r.body, createdAt: r.created_at.toISOString() }));
  }

  async signAuthorization(input: {
    contactId: string;
    textId: number;
    signedAt: Date;
    expiresAt?: Date | null;
    expiryEvent?: string | null;
    evidence: ConsentEvidence;
  }): Promise<string> {
    return this.dataSource.transaction(async (tx) => {
      const [{ id }] = await tx.query<[{ id: string }]>(`SELECT nextval('marketing_authorizations_id_seq')::text AS id`);
      await tx.query(
        `INSERT INTO marketing_authorizations (id, contact_id, text_id, signed_at, expires_at, expiry_event, signature_evidence) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          id,
          input.contactId,
          input.textId,
          input.signedAt,
          input.expiresAt ?? null,
          input.expiryEvent ?? null,
          this.crypto.encrypt('phi', JSON.stringify(input.evidence), CryptoService.aad('marketing_authorizations', 'signature_evidence', id)),
        ],
      );
      return id;
    });
  }

  async revokeAuthorization(contactId: string, authorizationId: string, method: string): Promise<boolean> {
    const [rows] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE marketing_authorizations SET revoked_at = now(), revocation_method = $3 WHERE id = $1 AND contact_id = $2 AND revoked_at IS NULL RETURNING id`,
      [authorizationId, contactId, method],
    );
    return rows.length > 0;
  }

  async authorizations(contactId: string, now = new Date()) {
    const rows = await this.dataSource.query<
      {
        id: string;
        text_id: number;
        version: string;
        purpose: string;
        signed_at: Date;
        expires_at: Date | null;
        expiry_event: string | null;
        revoked_at: Date | null;
      }[]
    >(
      `SELECT a.id::text AS id, a.text_id, t.version, t.purpose, a.signed_at, a.expires_at, a.expiry_event, a.revoked_at FROM marketing_authorizations a JOIN authorization_texts t ON t.id = a.text_id WHERE a.contact_id = $1 ORDER BY a.id`,
      [contactId],
    );
    return rows.map((r) => ({
      id: r.id,
      textId: r.text_id,
      version: r.version,
      purpose: r.purpose,
      signedAt: r.signed_at.toISOString(),
      expiresAt: r.expires_at?.toISOString() ?? null,
      expiryEvent: r.expiry_event,
      revokedAt: r.revoked_at?.toISOString() ?? null,
      status: r.revoked_at ? 'revoked' : r.expires_at && r.expires_at <= now ? 'expired' : 'active',
    }));
  }
}

interface EligibilityRow {
  contact_status: string;
  consent_status: ConsentStatus | null;
  suppression: SuppressionReason | null;
  authorized: boolean;
}

/**
 * The eligibility ladder, shared by the single and the batch check. Marketing needs confirmed consent, no
 * suppression of any kind and (when the topic asks) a live authorization; transactional mail (or mail with no
 * topic) is stopped only by a revocation or a bounce/complaint/manual suppression.
 */
function decide(topic: { kind: string; archivedAt: Date | null; requiresAuthorization: boolean } | null, row: EligibilityRow | undefined): Eligibility {
  if (!row) return { allowed: false, reason: 'contact_missing' };
  if (row.contact_status !== 'active') return { allowed: false, reason: 'contact_erased' };
  const hardSuppressed = row.suppression !== null && row.suppression !== 'unsubscribe';
  if (!topic) return hardSuppressed ? { allowed: false, reason: 'suppressed' } : { allowed: true };
  if (topic.archivedAt) return { allowed: false, reason: 'topic_archived' };
  if (row.consent_status === 'revoked') return { allowed: false, reason: 'consent_revoked' };
  if (topic.kind === 'transactional') return hardSuppressed ? { allowed: false, reason: 'suppressed' } : { allowed: true };
  if (row.suppression) return { allowed: false, reason: 'suppressed' };
  if (row.consent_status === null) return { allowed: false, reason: 'no_consent' };
  if (row.consent_status === 'pending') return { allowed: false, reason: 'consent_pending' };
  if (topic.requiresAuthorization && !row.authorized) return { allowed: false, reason: 'authorization_missing' };
  return { allowed: true };
}
