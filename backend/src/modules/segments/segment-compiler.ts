import type { AttributeDefinition } from '../contacts/index.js';
import type { CryptoService } from '../crypto/index.js';
import { tokenOf } from '../contacts/index.js';
import { addDays, normalizeCode, windowStart } from './segment-evaluate.js';
import type { SegmentRule } from './segment-rule.js';

export interface CompiledRule {
  /** A predicate over `contacts c`: the exact answer, or a superset of it when `approximate`. */
  sql: string;
  /**
   * A predicate over `contacts c`, true for the rows where some leaf cannot be decided by tokens (a birth year
   * on an age boundary, a visit month cut by the range, a PHI attribute range). Rows of `sql` where it is false
   * are surely in; only the others need decrypting. `FALSE` when the rule is exact.
   */
  uncertain: string;
  /** Parameters of both predicates. */
  params: unknown[];
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

/**
 * Token columns copied beside each condition token in contact_condition_tokens (kept in step with contacts by
 * triggers): a leaf on one of them next to a condition in the same AND group is repeated inside the condition's
 * look-up, so one index-only range scan answers "E11.x AND born 1955–1980 AND on these plans".
 */
const CARRIED = new Set(['birth_year_token', 'insurance_plan_token', 'insurance_status_token', 'state_token', 'sex_token', 'zip3_token']);

const ENGAGEMENT_SUMMARY = { delivered: 'last_delivered_at', opened: 'last_opened_at', clicked: 'last_clicked_at' } as const;

/**
 * Rule tree → SQL over blind-index tokens. Exact leaves compile to the same predicate either way.
 * Coarse leaves compile to a superset ("maybe") under an even number of NOTs and to a subset
 * ("surely") under an odd number, so the whole predicate is a superset of the exact answer; a row
 * none of whose coarse leaves is on a boundary is decided exactly, so the check after decryption
 * only looks at the `uncertain` rows and only ever removes some.
 */
export function compileRule(rule: SegmentRule, ctx: CompileContext): CompiledRule {
  const params: unknown[] = [];
  const uncertain: string[] = [];
  let approximate = false;
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  // Under an odd number of NOTs a contact without the value (a NULL token) must count as "no", so no SQL NULL may leak
  // into NOT; elsewhere NULL and FALSE select the same rows, and the bare comparison can use an index.
  let underOddNots = false;
  // The last leaf's test on a carried column, for a condition beside it.
  const last: { carry: string | null } = { carry: null };
  const takeCarry = () => {
    const carry = last.carry;
    last.carry = null;
    return carry;
  };
  const anyOf = (column: string, tokens: string[]) => {
    if (!tokens.length) return 'FALSE';
    const ref = param(tokens);
    if (CARRIED.has(column)) last.carry = `cc.${column} = ANY(${ref}::bigint[])`;
    const test = `c.${column} = ANY(${ref}::bigint[])`;
    return underOddNots ? `COALESCE(${test}, FALSE)` : test;
  };
  /** A coarse leaf: `maybe` tokens at positive polarity, `surely` tokens at negative; rows with a boundary token are uncertain. */
  const coarse = (column: string, values: { token: string; surely: boolean }[], positive: boolean) => {
    approximate = true;
    const boundary = values.filter((v) => !v.surely).map((v) => v.token);
    if (boundary.length) uncertain.push(`c.${column} = ANY(${param(boundary)}::bigint[])`);
    return anyOf(
      column,
      values.filter((v) => positive || v.surely).map((v) => v.token),
    );
  };

  const group = (r: Extract<SegmentRule, { rules: SegmentRule[] }>, polarity: boolean): string => {
    if (r.op === 'or') return `(${r.rules.map((x) => walk(x, polarity)).join(' OR ')})`;
    // AND: leaves first, so that conditions can carry their siblings' token tests.
    const parts: string[] = new Array<string>(r.rules.length);
    const carried: string[] = [];
    r.rules.forEach((x, i) => {
      if ('op' in x || x.field === 'condition') return;
      takeCarry();
      parts[i] = walk(x, polarity);
      const carry = takeCarry();
      if (carry) carried.push(carry);
    });
    r.rules.forEach((x, i) => {
      if ('op' in x || x.field !== 'condition') parts[i] ??= walk(x, polarity, []);
      else parts[i] = walk(x, polarity, carried);
    });
    return `(${parts.join(' AND ')})`;
  };

  const walk = (r: SegmentRule, polarity: boolean, carried: string[] = []): string => {
    if ('op' in r) {
      if (r.op === 'not') return `NOT (${walk(r.rule, !polarity)})`;
      return group(r, polarity);
    }
    const positive = polarity;
    underOddNots = !polarity;
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
        const where = [`cc.token = ANY(${param([...tokens])}::bigint[])`, ...carried];
        return `c.id IN (SELECT cc.contact_id FROM contact_condition_tokens cc WHERE ${where.join(' AND ')})`;
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
        const year = Number(ctx.today.slice(0, 4));
        // Born in year Y, a person is (year - Y - 1) or (year - Y) today.
        const years: { token: string; surely: boolean }[] = [];
        for (let y = year - r.max - 1; y <= year - r.min; y++) {
          years.push({ token: tokenOf.birthYear(c, String(y)), surely: year - y - 1 >= r.min && year - y <= r.max });
        }
        return coarse('birth_year_token', years, positive);
      }
      case 'lastVisit':
      case 'nextVisit': {
        let from = '0001-01-01';
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
        if (from === '0001-01-01' || to === '9999-12-31') {
          approximate = true;
          uncertain.push(`c.${column} IS NOT NULL`);
          return positive ? `c.${column} IS NOT NULL` : 'FALSE';
        }
        const months: { token: string; surely: boolean }[] = [];
        for (let m = from.slice(0, 7); m <= to.slice(0, 7); m = nextMonth(m)) {
          months.push({ token: token(c, m), surely: `${m}-01` >= from && lastDay(m) <= to });
        }
        return coarse(column, months, positive);
      }
      case 'attribute': {
        if ('in' in r) return `c.attribute_tokens && ${param(r.in.map((v) => tokenOf.attribute(c, r.key, v.trim())))}::bigint[]`;
        // A PHI attribute rests encrypted with no token for ranges: every contact may match, and the exact check decides.
        if (ctx.attributes.get(r.key)?.isPhi !== false) {
          approximate = true;
          uncertain.push('TRUE');
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
        let members: string;
        if (r.campaignId === undefined) {
          // Any campaign: the per-contact summary (latest human event of each kind) answers it in one probe.
          const column = ENGAGEMENT_SUMMARY[type];
          const since = r.withinDays === undefined ? `ce.${column} IS NOT NULL` : `ce.${column} >= ${param(windowStart(ctx.today, r.withinDays))}::timestamptz`;
          members = `SELECT ce.contact_id FROM contact_engagement ce WHERE ${since}`;
        } else {
          const where = [`e.campaign_id = ${param(r.campaignId)}::bigint`, `e.type = ${param(type)}::text`];
          if (type !== 'delivered') where.push('NOT e.machine');
          if (r.withinDays !== undefined) where.push(`e.occurred_at >= ${param(windowStart(ctx.today, r.withinDays))}::timestamptz`);
          members = `SELECT e.contact_id FROM engagement_events e WHERE ${where.join(' AND ')}`;
        }
        return `${r.never === true ? 'NOT ' : ''}c.id IN (${members})`;
      }
      case 'segment': {
        if (!ctx.snapshots.has(r.segmentId)) throw new Error(`segment ${r.segmentId} was not resolved before compiling`);
        const snapshot = ctx.snapshots.get(r.segmentId);
        if (snapshot === null || snapshot === undefined) return 'FALSE';
        return `c.id IN (SELECT m.contact_id FROM segment_snapshot_members m WHERE m.snapshot_id = ${param(snapshot)}::bigint)`;
      }
      case 'consent':
        return `c.id IN (SELECT s.contact_id FROM consent_state s WHERE s.topic_id = ${param(ctx.topicIds.get(r.topic) ?? -1)} AND s.status = 'confirmed')`;
      case 'suppressed':
        return `${r.value ? '' : 'NOT '}EXISTS (SELECT 1 FROM suppressions x WHERE x.email_token = c.email_token)`;
    }
  };
  const sql = walk(rule, true);
  return { sql, uncertain: uncertain.length ? `COALESCE(${uncertain.join(' OR ')}, FALSE)` : 'FALSE', params, approximate };
}

function nextMonth(yyyymm: string): string {
  const [y, m] = yyyymm.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function lastDay(yyyymm: string): string {
  const [y, m] = yyyymm.split('-').map(Number) as [number, number];
  return `${yyyymm}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}
