import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError, type FieldProblem } from '../../platform/errors/index.js';
import { TopicsService } from '../consent/index.js';
import { type AttributeValue, AttributesService, type ContactPhi, ContactWriter, ContactsService, type MaskedContact } from '../contacts/index.js';
import { CryptoService } from '../crypto/index.js';
import { type CompileContext, compileRule, type CompiledRule } from './segment-compiler.js';
import { type EngagementFact, evaluateRule } from './segment-evaluate.js';
import { type SegmentRule, validateRule } from './segment-rule.js';
import { SegmentRepository } from './segment.repository.js';

const SAMPLE = 10;
const BATCH = 2000;
const MAX_SEGMENT_DEPTH = 8;

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
  events: { type: EngagementFact['type']; campaignId: string | null; occurredAt: string; machine: boolean }[] | null;
  segments: number[] | null;
}

/** A rule ready to run: the saved segments it names resolved, compiled to SQL. */
interface Plan {
  rule: SegmentRule;
  compiled: CompiledRule;
  needsEvents: boolean;
  /** Snapshot segments the rule names, with their latest snapshot. */
  snapshots: ReadonlyMap<number, string | null>;
}

/** Counts and samples the contacts a rule selects, in SQL over blind-index tokens, decrypting only where tokens cannot decide. */
@Injectable()
export class SegmentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly topics: TopicsService,
    private readonly contacts: ContactsService,
    private readonly attributes: AttributesService,
    private readonly repo: SegmentRepository,
  ) {}

  async preview(input: unknown, today = new Date().toISOString().slice(0, 10)): Promise<SegmentPreview> {
    const rule = await this.check(input);
    const ids = await this.members(rule, today);
    const sample = await Promise.all(ids.ids.slice(0, SAMPLE).map((id) => this.contacts.get(id)));
    return { count: ids.ids.length, exactChecks: ids.exactChecks, sample };
  }

  /** How many contacts the rule selects: one statement counts the rows the tokens decide and lists the others for the exact check. */
  async count(rule: SegmentRule, today: string): Promise<{ count: number; exactChecks: number }> {
    const plan = await this.plan(rule, today);
    const [row] = await this.dataSource.query<[{ sure: number; unsure: string[] }]>(this.countSql(plan), plan.compiled.params);
    const exact = await this.exactCheck(plan, today, row.unsure);
    return { count: row.sure + exact.length, exactChecks: row.unsure.length };
  }

  /** The ids of every contact the rule selects, oldest first. */
  async members(rule: SegmentRule, today: string): Promise<{ ids: string[]; exactChecks: number }> {
    const plan = await this.plan(rule, today);
    const { sql, uncertain, params } = plan.compiled;
    const rows = await this.dataSource.query<{ id: string; uncertain: boolean }[]>(
      `SELECT c.id::text AS id, ${uncertain} AS uncertain FROM contacts c WHERE c.status = 'active' AND ${sql} ORDER BY c.id`,
      params,
    );
    const unsure = rows.filter((r) => r.uncertain).map((r) => r.id);
    const kept = new Set(await this.exactCheck(plan, today, unsure));
    return { ids: rows.filter((r) => !r.uncertain || kept.has(r.id)).map((r) => r.id), exactChecks: unsure.length };
  }

  /** The statement a count runs, for EXPLAIN (benchmarks, diagnostics). */
  async countQuery(rule: SegmentRule, today: string): Promise<{ sql: string; params: unknown[] }> {
    const plan = await this.plan(rule, today);
    return { sql: this.countSql(plan), params: plan.compiled.params };
  }

  private countSql({ compiled }: Plan): string {
    return `SELECT count(*) FILTER (WHERE NOT ${compiled.uncertain})::int AS sure,
                   COALESCE(array_agg(c.id::text) FILTER (WHERE ${compiled.uncertain}), '{}') AS unsure
              FROM contacts c WHERE c.status = 'active' AND ${compiled.sql}`;
  }

  /**
   * 400 with the path of every problem: unknown attribute, wrong type, empty group, unknown topic,
   * attribute or saved segment, a range on an attribute of another type.
   */
  async check(input: unknown): Promise<SegmentRule> {
    const problems = validateRule(input);
    if (!problems.length) {
      const [topics, definitions] = await Promise.all([this.topics.list(true), this.attributes.definitions()]);
      const known = new Set(topics.map((t) => t.key));
      const segmentIds = new Set<number>();
      walkLeaves(input as SegmentRule, 'rule', (leaf) => {
        if (leaf.field === 'segment') segmentIds.add(leaf.segmentId);
      });
      const existing = new Set((await this.repo.findMany([...segmentIds])).map((s) => s.id));
      walkLeaves(input as SegmentRule, 'rule', (r, path) => {
        if (r.field === 'consent' && !known.has(r.topic)) problems.push({ field: `${path}.topic`, message: 'no such topic' });
        if (r.field === 'segment' && !existing.has(r.segmentId)) problems.push({ field: `${path}.segmentId`, message: 'no such segment' });
        if (r.field === 'attribute') {
          const type = definitions.get(r.key)?.type;
          if (!type) problems.push({ field: `${path}.key`, message: 'no such attribute' });
          else if ('in' in r) {
            if (type === 'number') problems.push({ field: path, message: 'a number attribute takes a range (min, max)' });
          } else if ('min' in r || 'max' in r) {
            if (type !== 'number') problems.push({ field: path, message: 'min and max need a number attribute' });
          } else if (type !== 'date') problems.push({ field: path, message: 'from and to need a date attribute' });
        }
      });
    }
    if (problems.length) throw invalidRule(problems);
    return input as SegmentRule;
  }

  /**
   * The saved segments a rule refers to, refusing a rule that would make segment `selfId` depend
   * on itself, directly or through others (400 naming the leaf).
   */
  async dependenciesOf(rule: SegmentRule, selfId: number | null): Promise<number[]> {
    const direct = new Map<number, string>();
    walkLeaves(rule, 'rule', (leaf, path) => {
      if (leaf.field === 'segment' && !direct.has(leaf.segmentId)) direct.set(leaf.segmentId, path);
    });
    if (selfId !== null) {
      for (const [start, path] of direct) {
        const cycle = await this.pathTo(start, selfId);
        if (cycle) throw invalidRule([{ field: `${path}.segmentId`, message: `refers back to this segment (${[selfId, ...cycle].join(' → ')})` }]);
      }
    }
    return [...direct.keys()].sort((a, b) => a - b);
  }

  /** The chain of segment ids from `from` to `target` through stored dependencies, if there is one. */
  private async pathTo(from: number, target: number): Promise<number[] | null> {
    const seen = new Map<number, number[]>([[from, [from]]]);
    let frontier = [from];
    while (frontier.length) {
      if (frontier.includes(target)) return seen.get(target) ?? null;
      const rows = await this.repo.findMany(frontier);
      const next: number[] = [];
      for (const row of rows) {
        for (const dep of row.depends_on) {
          if (seen.has(dep)) continue;
          seen.set(dep, [...(seen.get(row.id) ?? []), dep]);
          next.push(dep);
        }
      }
      frontier = next;
    }
    return null;
  }

  private async plan(rule: SegmentRule, today: string): Promise<Plan> {
    const snapshots = new Map<number, string | null>();
    const resolved = await this.resolve(rule, [], snapshots, new Map());
    const [topics, definitions] = await Promise.all([this.topics.list(true), this.attributes.definitions()]);
    const ctx: CompileContext = { crypto: this.crypto, today, topicIds: new Map(topics.map((t) => [t.key, t.id])), attributes: definitions, snapshots };
    let needsEvents = false;
    walkLeaves(resolved, 'rule', (leaf) => {
      if (leaf.field === 'engagement') needsEvents = true;
    });
    return { rule: resolved, compiled: compileRule(resolved, ctx), needsEvents, snapshots };
  }

  /**
   * Inlines the rules of dynamic saved segments (membership is "matches that rule now"); snapshot
   * segments stay as leaves, answered by their latest snapshot's member list.
   */
  private async resolve(rule: SegmentRule, stack: number[], snapshots: Map<number, string | null>, cache: Map<number, SegmentRule>): Promise<SegmentRule> {
    if ('op' in rule) {
      if (rule.op === 'not') return { op: 'not', rule: await this.resolve(rule.rule, stack, snapshots, cache) };
      const rules: SegmentRule[] = [];
      for (const r of rule.rules) rules.push(await this.resolve(r, stack, snapshots, cache));
      return { op: rule.op, rules };
    }
    if (rule.field !== 'segment') return rule;
    const id = rule.segmentId;
    if (stack.includes(id) || stack.length >= MAX_SEGMENT_DEPTH)
      throw new DomainError('segment_cycle', `Segments refer to each other in a cycle or too deep (${[...stack, id].join(' → ')})`, 400, [
        { field: 'rule', message: 'saved segments refer to each other in a cycle' },
      ]);
    const row = await this.repo.find(id);
    if (!row) throw invalidRule([{ field: 'rule', message: `segment ${id} no longer exists` }]);
    if (row.kind === 'snapshot') {
      if (!snapshots.has(id)) snapshots.set(id, (await this.repo.latestSnapshot(id))?.id ?? null);
      return rule;
    }
    let inner = cache.get(id);
    if (!inner) {
      inner = await this.resolve(await this.repo.rule(row), [...stack, id], snapshots, cache);
      cache.set(id, inner);
    }
    return inner;
  }

  /** Decrypts the rows tokens could not decide, in batches, and answers those the exact evaluation keeps. */
  private async exactCheck(plan: Plan, today: string, ids: readonly string[]): Promise<string[]> {
    const extra: unknown[] = [];
    const bind = (v: unknown) => {
      extra.push(v);
      return `$${extra.length + 1}`;
    };
    const events = plan.needsEvents
      ? `(SELECT json_agg(json_build_object('type', e.type, 'campaignId', e.campaign_id::text, 'occurredAt', e.occurred_at, 'machine', e.machine))
            FROM engagement_events e WHERE e.contact_id = c.id AND e.type IN ('delivered', 'opened', 'clicked'))`
      : 'NULL::json';
    const frozen = [...plan.snapshots].filter((e): e is [number, string] => e[1] !== null);
    const segments = frozen.length
      ? `ARRAY(SELECT f.segment_id FROM unnest(${bind(frozen.map((e) => e[0]))}::int[], ${bind(frozen.map((e) => e[1]))}::bigint[]) AS f(segment_id, snapshot_id)
                WHERE EXISTS (SELECT 1 FROM segment_snapshot_members m WHERE m.snapshot_id = f.snapshot_id AND m.contact_id = c.id))`
      : 'NULL::int[]';
    const sql = `SELECT c.id::text AS id, c.phi, c.attributes,
                        ARRAY(SELECT t.key FROM consent_state s JOIN topics t ON t.id = s.topic_id WHERE s.contact_id = c.id AND s.status = 'confirmed') AS topics,
                        EXISTS (SELECT 1 FROM suppressions x WHERE x.email_token = c.email_token) AS suppressed,
                        ${events} AS events, ${segments} AS segments
                   FROM contacts c WHERE c.id = ANY($1::bigint[]) AND c.status = 'active'`;
    const kept: string[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const rows = await this.dataSource.query<CandidateRow[]>(sql, [ids.slice(i, i + BATCH), ...extra]);
      for (const row of rows) {
        const phi = JSON.parse(await this.crypto.decryptText(row.phi, ContactWriter.aad(row.id))) as ContactPhi;
        const facts = {
          phi,
          attributes: row.attributes,
          consentedTopics: new Set(row.topics),
          suppressed: row.suppressed,
          events: (row.events ?? []).map((e) => ({ ...e, occurredAt: new Date(e.occurredAt).toISOString() })),
          segments: new Set(row.segments ?? []),
        };
        if (evaluateRule(plan.rule, facts, today)) kept.push(row.id);
      }
    }
    return kept;
  }
}

type Leaf = Exclude<SegmentRule, { op: unknown }>;

function walkLeaves(rule: SegmentRule, path: string, visit: (leaf: Leaf, path: string) => void): void {
  if ('op' in rule) {
    if (rule.op === 'not') walkLeaves(rule.rule, `${path}.rule`, visit);
    else rule.rules.forEach((r, i) => walkLeaves(r, `${path}.rules[${i}]`, visit));
  } else visit(rule, path);
}

function invalidRule(problems: FieldProblem[]): DomainError {
  return new DomainError('segment_rule', problems.map((p) => `${p.field}: ${p.message}`).join('; '), 400, problems);
}
