import type { AttributeDefinition } from '../contacts/index.js';
import type { CryptoService } from '../crypto/index.js';
import { tokenOf } from '../contacts/index.js';
import { addDays, normalizeCode, windowStart } from './segment-evaluate.js';
import type { SegmentRule } from './segment-rule.js';

export interface CompiledRule {
  /** A predicate over `contacts c`. */
  sql: string;
  params: unknown[];
  /** True when a leaf is decided by coarse tokens (birth year, visit month) or not at all (PHI ranges): rows need the exact check. */
  approximate: boolean;
}

export interface CompileContext {
  crypto: CryptoService;
  today: string;
  topicIds: ReadonlyMap<string, number>;
  attributes: ReadonlyMap<string, Pick<AttributeDefinition, 'type' | 'isPhi'>>;
  /** For each saved segment the rule still names (snapshot segments: dynamic ones are inlined before), its latest snapshot. */
  snapshots: ReadonlyMap<number, string | null>;
}

export interface CompileOptions {
  /** true (default): a superset of the exact answer ("maybe"); false: a subset ("surely"). */
  superset?: boolean;
  /** Parameters already bound before this predicate's ($1 … $n), so that two predicates can share one query. */
  firstParam?: number;
}

/**
 * Rule tree → SQL over blind-index tokens. Exact leaves compile to the same predicate either way.
 * Coarse leaves compile to their "maybe" set where a superset is wanted and to their "surely" set
 * where a subset is: with `superset`, maybe under an even number of NOTs and surely under an odd
 * number, so the whole predicate is a superset of the exact answer and the exact check only ever
 * removes rows; without it, the reverse, so the predicate is a subset whose rows need no check.
 * Rows in the superset but not the subset are the only ones decrypted.
 */
export function compileRule(rule: SegmentRule, ctx: CompileContext, options: CompileOptions = {}): CompiledRule {
  const superset = options.superset ?? true;
  const offset = options.firstParam ?? 0;
  const params: unknown[] = [];
  let approximate = false;
  const param = (v: unknown) => {
    params.push(v);
    return `$${offset + params.length}`;
  };
  // A contact without the value (a NULL token) does not match, and NOT of it does: no SQL NULL may leak into NOT.
  const anyOf = (column: string, tokens: string[]) => (tokens.length ? `COALESCE(c.${column} = ANY(${param(tokens)}::bigint[]), FALSE)` : 'FALSE');

  const walk = (r: SegmentRule, polarity: boolean): string => {
    if ('op' in r) {
      if (r.op === 'not') return `NOT (${walk(r.rule, !polarity)})`;
      return `(${r.rules.map((x) => walk(x, polarity)).join(r.op === 'and' ? ' AND ' : ' OR ')})`;
    }
    // Whether this leaf must give its "maybe" set (else its "surely" set).
    const positive = polarity === superset;
    const c = ctx.crypto;
    switch (r.field) {
      case 'condition': {
        const tokens = new Set<string>();
        for (const code of r.codes.map(normalizeCode)) {
          for (const system of r.system ? [r.system] : (['ICD-10', 'SNOMED-CT'] as const)) {
            tokens.add(tokenOf.condition(c, system, code));
            if (system === 'ICD-10' && code.length === 3) tokens.add(tokenOf.conditionCategory(c, system, code));
          }
        }
        return `c.condition_tokens && ${param([...tokens])}::bigint[]`;
      }
      case 'sex':
        return anyOf(
          'sex_token',
          r.in.map((v) => tokenOf.sex(c, v.trim().toLowerCase())),
        );
      case 'state':
        return anyOf(
          'state_token',
          r.in.map((v) => tokenOf.state(c, v.trim().toUpperCase())),
        );
      case 'insuranceStatus':
        return anyOf(
          'insurance_status_token',
          r.in.map((v) => tokenOf.insuranceStatus(c, v.trim().toLowerCase())),
        );
      case 'insurancePlan':
        return anyOf(
          'insurance_plan_token',
          r.in.map((v) => tokenOf.insurancePlan(c, v.trim())),
        );
      case 'primaryProvider':
        return anyOf(
          'provider_token',
          r.in.map((v) => tokenOf.provider(c, v.trim())),
        );
      case 'postalCode':
        return anyOf(
          'postal_token',
          r.in.map((v) => tokenOf.postal(c, v.trim().slice(0, 5))),
        );
      case 'zip3':
        return anyOf(
          'zip3_token',
          r.in.map((v) => tokenOf.zip3(c, v.trim().slice(0, 3))),
        );
      case 'age': {
        approximate = true;
        const year = Number(ctx.today.slice(0, 4));
        // Born in year Y, a person is (year - Y - 1) or (year - Y) today.
        const years: string[] = [];
        for (let y = year - r.max - 1; y <= year - r.min; y++) {
          const surely = year - y - 1 >= r.min && year - y <= r.max;
          if (positive || surely) years.push(String(y));
        }
        return anyOf(
          'birth_year_token',
          years.map((y) => tokenOf.birthYear(c, y)),
        );
      }
      case 'lastVisit':
      case 'nextVisit': {
        approximate = true;
        let from = r.field === 'lastVisit' ? '0001-01-01' : '0001-01-01';
        let to = '9999-12-31';
        if (r.withinDays !== undefined) {
          from = r.field === 'lastVisit' ? addDays(ctx.today, -r.withinDays) : ctx.today;
          to = r.field === 'lastVisit' ? ctx.today : addDays(ctx.today, r.withinDays);
        }
        if (r.after !== undefined && addDays(r.after, 1) > from) from = addDays(r.after, 1);
        if (r.before !== undefined && addDays(r.before, -1) < to) to = addDays(r.before, -1);
        if (from > to) return 'FALSE';
        const column = r.field === 'lastVisit' ? 'last_visit_month_token' : 'next_visit_month_token';
        const token = r.field === 'lastVisit' ? tokenOf.lastVisitMonth : tokenOf.nextVisitMonth;
        // Open-ended ranges: without a bound on one side, fall back to "has a date" and the exact check.
        if (from === '0001-01-01' || to === '9999-12-31') return positive ? `c.${column} IS NOT NULL` : 'FALSE';
        const months: string[] = [];
        for (let m = from.slice(0, 7); m <= to.slice(0, 7); m = nextMonth(m)) {
          const surely = `${m}-01` >= from && lastDay(m) <= to;
          if (positive || surely) months.push(m);
        }
        return anyOf(
          column,
          months.map((m) => token(c, m)),
        );
      }
      case 'attribute': {
        if ('in' in r) return `c.attribute_tokens && ${param(r.in.map((v) => tokenOf.attribute(c, r.key, v.trim())))}::bigint[]`;
        // A PHI attribute rests encrypted with no token for ranges: every contact may match, and the exact check decides.
        if (ctx.attributes.get(r.key)?.isPhi !== false) {
          approximate = true;
          return positive ? 'TRUE' : 'FALSE';
        }
        const key = param(r.key);
        const bounds: string[] = [];
        let value: string;
        if ('min' in r || 'max' in r) {
          const range = r as { min?: number; max?: number };
          value = `(CASE WHEN jsonb_typeof(c.attributes -> ${key}::text) = 'number' THEN (c.attributes ->> ${key}::text)::numeric END)`;
          if (range.min !== undefined) bounds.push(`${value} >= ${param(range.min)}::numeric`);
          if (range.max !== undefined) bounds.push(`${value} <= ${param(range.max)}::numeric`);
        } else {
          const range = r as { from?: string; to?: string };
          value = `(CASE WHEN (c.attributes ->> ${key}::text) ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN c.attributes ->> ${key}::text END) COLLATE "C"`;
          if (range.from !== undefined) bounds.push(`${value} >= ${param(range.from)}::text`);
          if (range.to !== undefined) bounds.push(`${value} <= ${param(range.to)}::text`);
        }
        return `COALESCE(${[`${value} IS NOT NULL`, ...bounds].join(' AND ')}, FALSE)`;
      }
      case 'engagement': {
        const type = r.event === 'received' ? 'delivered' : r.event;
        const where = [`e.contact_id = c.id`, `e.type = ${param(type)}::text`];
        if (type !== 'delivered') where.push('NOT e.machine');
        if (r.campaignId !== undefined) where.push(`e.campaign_id = ${param(r.campaignId)}::bigint`);
        if (r.withinDays !== undefined) where.push(`e.occurred_at >= ${param(windowStart(ctx.today, r.withinDays))}::timestamptz`);
        return `${r.never === true ? 'NOT ' : ''}EXISTS (SELECT 1 FROM engagement_events e WHERE ${where.join(' AND ')})`;
      }
      case 'segment': {
        if (!ctx.snapshots.has(r.segmentId)) throw new Error(`segment ${r.segmentId} was not resolved before compiling`);
        const snapshot = ctx.snapshots.get(r.segmentId);
        if (snapshot === null || snapshot === undefined) return 'FALSE';
        return `EXISTS (SELECT 1 FROM segment_snapshot_members m WHERE m.snapshot_id = ${param(snapshot)}::bigint AND m.contact_id = c.id)`;
      }
      case 'consent':
        return `EXISTS (SELECT 1 FROM consent_state s WHERE s.contact_id = c.id AND s.topic_id = ${param(ctx.topicIds.get(r.topic) ?? -1)} AND s.status = 'confirmed')`;
      case 'suppressed':
        return `${r.value ? '' : 'NOT '}EXISTS (SELECT 1 FROM suppressions x WHERE x.email_token = c.email_token)`;
    }
  };
  const sql = walk(rule, true);
  return { sql, params, approximate };
}

function nextMonth(yyyymm: string): string {
  const [y, m] = yyyymm.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function lastDay(yyyymm: string): string {
  const [y, m] = yyyymm.split('-').map(Number) as [number, number];
  return `${yyyymm}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}
