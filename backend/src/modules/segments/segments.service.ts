import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { TopicsService } from '../consent/index.js';
import { type AttributeValue, type ContactPhi, ContactWriter, ContactsService, type MaskedContact } from '../contacts/index.js';
import { CryptoService } from '../crypto/index.js';
import { compileRule } from './segment-compiler.js';
import { evaluateRule } from './segment-evaluate.js';
import { type SegmentRule, validateRule } from './segment-rule.js';

const SAMPLE = 10;
const BATCH = 2000;

export interface SegmentPreview {
  count: number;
  /** Rows whose PHI had to be decrypted for an exact check (coarse tokens could not decide). */
  exactChecks: number;
  sample: MaskedContact[];
}

interface CandidateRow {
  id: string;
  phi: Buffer;
  attributes: Record<string, AttributeValue>;
  topics: string[];
  suppressed: boolean;
}

/** Counts and samples the contacts a rule selects, in SQL over blind-index tokens, decrypting only where tokens cannot decide. */
@Injectable()
export class SegmentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly topics: TopicsService,
    private readonly contacts: ContactsService,
  ) {}

  async preview(input: unknown, today = new Date().toISOString().slice(0, 10)): Promise<SegmentPreview> {
    const rule = await this.check(input);
    const ids = await this.members(rule, today);
    const sample = await Promise.all(ids.ids.slice(0, SAMPLE).map((id) => this.contacts.get(id)));
    return { count: ids.ids.length, exactChecks: ids.exactChecks, sample };
  }

  /** How many contacts the rule selects. */
  async count(rule: SegmentRule, today: string): Promise<{ count: number; exactChecks: number }> {
    const { ids, exactChecks } = await this.members(rule, today);
    return { count: ids.length, exactChecks };
  }

  /** The saved segments a rule refers to (none yet: membership rules come with the next slice). */
  // eslint-disable-next-line @typescript-eslint/require-await
  async dependenciesOf(_rule: SegmentRule, _selfId: number | null): Promise<number[]> {
    return [];
  }

  /** The ids of every contact the rule selects, oldest first. */
  async members(rule: SegmentRule, today: string): Promise<{ ids: string[]; exactChecks: number }> {
    const topicIds = new Map((await this.topics.list(true)).map((t) => [t.key, t.id]));
    const compiled = compileRule(rule, { crypto: this.crypto, today, topicIds });
    const where = `c.status = 'active' AND ${compiled.sql}`;
    if (!compiled.approximate) {
      const rows = await this.dataSource.query<{ id: string }[]>(`SELECT c.id::text AS id FROM contacts c WHERE ${where} ORDER BY c.id`, compiled.params);
      return { ids: rows.map((r) => r.id), exactChecks: 0 };
    }
    const ids: string[] = [];
    let exactChecks = 0;
    let after = '0';
    const n = compiled.params.length;
    for (;;) {
      const rows = await this.dataSource.query<CandidateRow[]>(
        `SELECT c.id::text AS id, c.phi, c.attributes,
                ARRAY(SELECT t.key FROM consent_state s JOIN topics t ON t.id = s.topic_id WHERE s.contact_id = c.id AND s.status = 'confirmed') AS topics,
                EXISTS (SELECT 1 FROM suppressions x WHERE x.email_token = c.email_token) AS suppressed
           FROM contacts c WHERE ${where} AND c.id > $${n + 1}::bigint ORDER BY c.id LIMIT ${BATCH}`,
        [...compiled.params, after],
      );
      for (const row of rows) {
        exactChecks++;
        const phi = JSON.parse(await this.crypto.decryptText(row.phi, ContactWriter.aad(row.id))) as ContactPhi;
        if (evaluateRule(rule, { phi, attributes: row.attributes, consentedTopics: new Set(row.topics), suppressed: row.suppressed }, today)) ids.push(row.id);
      }
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1].id;
    }
    return { ids, exactChecks };
  }

  /** 400 with the path of every problem: unknown attribute, wrong type, empty group, unknown topic. */
  async check(input: unknown): Promise<SegmentRule> {
    const problems = validateRule(input);
    if (!problems.length) {
      const known = new Set((await this.topics.list(true)).map((t) => t.key));
      const walk = (r: SegmentRule, path: string) => {
        if ('op' in r) {
          if (r.op === 'not') walk(r.rule, `${path}.rule`);
          else r.rules.forEach((x, i) => walk(x, `${path}.rules[${i}]`));
        } else if (r.field === 'consent' && !known.has(r.topic)) problems.push({ field: `${path}.topic`, message: 'no such topic' });
      };
      walk(input as SegmentRule, 'rule');
    }
    if (problems.length) throw new DomainError('segment_rule', problems.map((p) => `${p.field}: ${p.message}`).join('; '), 400, problems);
    return input as SegmentRule;
  }
}
