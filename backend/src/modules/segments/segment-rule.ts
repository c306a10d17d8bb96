import type { FieldProblem } from '../../platform/errors/index.js';

export const ENGAGEMENT_EVENTS = ['received', 'opened', 'clicked'] as const;
export type EngagementEvent = (typeof ENGAGEMENT_EVENTS)[number];

/** A custom attribute: one of some values (text, enum, list, boolean, date), or a range (number: min/max; date: from/to, inclusive). */
export type AttributeLeaf =
  | { field: 'attribute'; key: string; in: string[] }
  | { field: 'attribute'; key: string; min?: number; max?: number }
  | { field: 'attribute'; key: string; from?: string; to?: string };

/**
 * Engagement with sent mail: received (delivered), opened or clicked, for one campaign or any, in the last N
 * days or ever; `never` turns it into "no such event" (never opened). Machine opens and clicks do not count.
 */
export interface EngagementLeaf {
  field: 'engagement';
  event: EngagementEvent;
  campaignId?: string;
  withinDays?: number;
  never?: boolean;
}

/** A segment rule: groups of conditions over contact fields, PHI attributes, custom attributes, consent, engagement and other saved segments. */
export type SegmentRule =
  | { op: 'and' | 'or'; rules: SegmentRule[] }
  | { op: 'not'; rule: SegmentRule }
  | { field: 'condition'; codes: string[]; system?: 'ICD-10' | 'SNOMED-CT' }
  | { field: 'sex' | 'state' | 'insuranceStatus' | 'insurancePlan' | 'primaryProvider' | 'postalCode' | 'zip3'; in: string[] }
  | { field: 'age'; min: number; max: number }
  | { field: 'lastVisit' | 'nextVisit'; withinDays?: number; before?: string; after?: string }
  | AttributeLeaf
  | { field: 'consent'; topic: string }
  | { field: 'suppressed'; value: boolean }
  | EngagementLeaf
  | { field: 'segment'; segmentId: number };

const LIST_FIELDS = ['sex', 'state', 'insuranceStatus', 'insurancePlan', 'primaryProvider', 'postalCode', 'zip3'] as const;
const MAX_DEPTH = 8;
const MAX_VALUES = 500;

/** Checks a rule's shape; every problem names its path (rules[1].codes) and never echoes a value. */
export function validateRule(input: unknown, path = 'rule', depth = 0): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const bad = (field: string, message: string) => problems.push({ field, message });
  if (depth > MAX_DEPTH) return [{ field: path, message: `groups nest at most ${MAX_DEPTH} deep` }];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [{ field: path, message: 'must be an object' }];
  const r = input as Record<string, unknown>;
  if ('op' in r) {
    if (r.op === 'and' || r.op === 'or') {
      if (!Array.isArray(r.rules) || r.rules.length === 0) bad(`${path}.rules`, 'a group needs at least one rule');
      else r.rules.forEach((child: unknown, i) => problems.push(...validateRule(child, `${path}.rules[${i}]`, depth + 1)));
    } else if (r.op === 'not') problems.push(...validateRule(r.rule, `${path}.rule`, depth + 1));
    else bad(`${path}.op`, 'must be and, or or not');
    return problems;
  }
  const strings = (v: unknown, field: string) => {
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_VALUES || !v.every((x) => typeof x === 'string' && x.trim().length > 0 && x.length <= 200)) {
      bad(`${path}.${field}`, `must be a list of 1 to ${MAX_VALUES} values`);
    }
  };
  const date = (v: unknown, field: string) => {
    if (v !== undefined && (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))))
      bad(`${path}.${field}`, 'must be a date as YYYY-MM-DD');
  };
  switch (r.field) {
    case 'condition':
      strings(r.codes, 'codes');
      if (r.system !== undefined && r.system !== 'ICD-10' && r.system !== 'SNOMED-CT') bad(`${path}.system`, 'must be ICD-10 or SNOMED-CT');
      break;
    case 'age':
      if (!Number.isInteger(r.min) || !Number.isInteger(r.max) || (r.min as number) < 0 || (r.max as number) > 130 || (r.min as number) > (r.max as number)) {
        bad(path, 'age needs whole numbers min ≤ max between 0 and 130');
      }
      break;
    case 'lastVisit':
    case 'nextVisit':
      if (r.withinDays === undefined && r.before === undefined && r.after === undefined) bad(path, 'give withinDays, before or after');
      if (r.withinDays !== undefined && (!Number.isInteger(r.withinDays) || (r.withinDays as number) < 1 || (r.withinDays as number) > 3650))
        bad(`${path}.withinDays`, 'must be 1 to 3650');
      date(r.before, 'before');
      date(r.after, 'after');
      break;
    case 'attribute': {
      if (typeof r.key !== 'string' || !r.key) bad(`${path}.key`, 'required');
      const numberRange = r.min !== undefined || r.max !== undefined;
      const dateRange = r.from !== undefined || r.to !== undefined;
      if ([r.in !== undefined, numberRange, dateRange].filter(Boolean).length !== 1) {
        bad(path, 'give either in, a number range (min, max) or a date range (from, to)');
      } else if (r.in !== undefined) {
        strings(r.in, 'in');
      } else if (numberRange) {
        for (const bound of ['min', 'max'] as const)
          if (r[bound] !== undefined && (typeof r[bound] !== 'number' || !Number.isFinite(r[bound]))) bad(`${path}.${bound}`, 'must be a number');
        if (typeof r.min === 'number' && typeof r.max === 'number' && r.min > r.max) bad(path, 'min must not exceed max');
      } else {
        date(r.from, 'from');
        date(r.to, 'to');
        if (typeof r.from === 'string' && typeof r.to === 'string' && r.from > r.to) bad(path, 'from must not be after to');
      }
      break;
    }
    case 'engagement':
      if (!(ENGAGEMENT_EVENTS as readonly unknown[]).includes(r.event)) bad(`${path}.event`, `must be ${ENGAGEMENT_EVENTS.join(', ')}`);
      if (r.campaignId !== undefined && (typeof r.campaignId !== 'string' || !/^\d{1,18}$/.test(r.campaignId)))
        bad(`${path}.campaignId`, 'must be a campaign id');
      if (r.withinDays !== undefined && (!Number.isInteger(r.withinDays) || (r.withinDays as number) < 1 || (r.withinDays as number) > 3650))
        bad(`${path}.withinDays`, 'must be 1 to 3650');
      if (r.never !== undefined && typeof r.never !== 'boolean') bad(`${path}.never`, 'must be true or false');
      break;
    case 'segment':
      if (!Number.isInteger(r.segmentId) || (r.segmentId as number) < 1) bad(`${path}.segmentId`, 'must be a segment id');
      break;
    case 'consent':
      if (typeof r.topic !== 'string' || !r.topic) bad(`${path}.topic`, 'required');
      break;
    case 'suppressed':
      if (typeof r.value !== 'boolean') bad(`${path}.value`, 'must be true or false');
      break;
    default:
      if ((LIST_FIELDS as readonly unknown[]).includes(r.field)) strings(r.in, 'in');
      else bad(`${path}.field`, 'unknown attribute');
  }
  return problems;
}
