import type { AttributeValue, ContactPhi } from '../contacts/index.js';
import type { SegmentRule } from './segment-rule.js';

/** One engagement event of a contact, as engagement_events holds it (`delivered` is what a rule calls received). */
export interface EngagementFact {
  type: 'delivered' | 'opened' | 'clicked';
  campaignId: string | null;
  /** ISO 8601, UTC (`toISOString`). */
  occurredAt: string;
  machine: boolean;
}

/** What the exact evaluation of a rule needs to know about one contact (decrypted, in memory only). */
export interface ContactFacts {
  phi: ContactPhi;
  attributes: Record<string, AttributeValue>;
  consentedTopics: ReadonlySet<string>;
  suppressed: boolean;
  /** Engagement events (only needed by rules with engagement leaves). */
  events?: readonly EngagementFact[];
  /** Ids of the saved segments the contact belongs to (only needed by rules with segment leaves). */
  segments?: ReadonlySet<number>;
}

/** The first instant counted by "in the last N days": midnight UTC, N days before today. */
export function windowStart(today: string, days: number): string {
  return `${addDays(today, -days)}T00:00:00.000Z`;
}

export function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

/** As contacts store codes: upper case, ICD-10 with its dot (E119 → E11.9). */
export function normalizeCode(code: string): string {
  const c = code.trim().toUpperCase();
  return /^[A-Z]\d[0-9AB][0-9A-Z]{1,4}$/.test(c) ? `${c.slice(0, 3)}.${c.slice(3)}` : c;
}

/** The reference semantics of a rule over plaintext: what the SQL plus exact checks must equal. */
export function evaluateRule(rule: SegmentRule, c: ContactFacts, today: string): boolean {
  if ('op' in rule) {
    if (rule.op === 'not') return !evaluateRule(rule.rule, c, today);
    if (rule.op === 'and') return rule.rules.every((r) => evaluateRule(r, c, today));
    return rule.rules.some((r) => evaluateRule(r, c, today));
  }
  const p = c.phi;
  switch (rule.field) {
    case 'condition': {
      const wanted = rule.codes.map(normalizeCode);
      return (p.conditions ?? []).some(
        (cond) =>
          (!rule.system || cond.system === rule.system) &&
          wanted.some((w) => cond.code === w || (cond.system === 'ICD-10' && !w.includes('.') && w.length === 3 && cond.code.slice(0, 3) === w)),
      );
    }
    case 'sex':
      return p.sex !== undefined && rule.in.map(norm).includes(p.sex);
    case 'state':
      return p.state !== undefined && rule.in.map((s) => s.trim().toUpperCase()).includes(p.state);
    case 'insuranceStatus':
      return p.insuranceStatus !== undefined && rule.in.map(norm).includes(p.insuranceStatus);
    case 'insurancePlan':
      return p.insurancePlan !== undefined && rule.in.map((v) => v.trim().toLowerCase()).includes(p.insurancePlan.toLowerCase());
    case 'primaryProvider':
      return p.primaryProvider !== undefined && rule.in.map(norm).includes(norm(p.primaryProvider));
    case 'postalCode':
      return p.postalCode !== undefined && rule.in.map((z) => z.trim().slice(0, 5)).includes(p.postalCode.slice(0, 5));
    case 'zip3':
      return p.postalCode !== undefined && rule.in.map((z) => z.trim().slice(0, 3)).includes(p.postalCode.slice(0, 3));
    case 'age': {
      if (!p.birthDate) return false;
      const age = ageOn(p.birthDate, today);
      return age >= rule.min && age <= rule.max;
    }
    case 'lastVisit':
    case 'nextVisit': {
      const d = rule.field === 'lastVisit' ? p.lastVisitDate : p.nextVisitDate;
      if (!d) return false;
      if (rule.withinDays !== undefined) {
        const ok = rule.field === 'lastVisit' ? d >= addDays(today, -rule.withinDays) && d <= today : d >= today && d <= addDays(today, rule.withinDays);
        if (!ok) return false;
      }
      if (rule.before !== undefined && !(d < rule.before)) return false;
      if (rule.after !== undefined && !(d > rule.after)) return false;
      return true;
    }
    case 'attribute': {
      const v: AttributeValue | undefined = p.attributes?.[rule.key] ?? (c.attributes as Partial<Record<string, AttributeValue>>)[rule.key];
      if (v === undefined) return false;
      if ('in' in rule) {
        // Numbers have no token (they take ranges); text, enum, boolean, date and list values match case-insensitively.
        if (typeof v === 'number') return false;
        const values = (Array.isArray(v) ? v : [v]).map((x) => String(x).toLowerCase());
        return rule.in.some((w) => values.includes(w.toLowerCase()));
      }
      if ('min' in rule || 'max' in rule) {
        const r = rule as { min?: number; max?: number };
        return typeof v === 'number' && (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max);
      }
      const r = rule as { from?: string; to?: string };
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && (r.from === undefined || v >= r.from) && (r.to === undefined || v <= r.to);
    }
    case 'engagement': {
      const type = rule.event === 'received' ? 'delivered' : rule.event;
      const since = rule.withinDays === undefined ? undefined : windowStart(today, rule.withinDays);
      const hit = (c.events ?? []).some(
        (e) =>
          e.type === type &&
          !(e.machine && type !== 'delivered') &&
          (rule.campaignId === undefined || e.campaignId === rule.campaignId) &&
          (since === undefined || e.occurredAt >= since),
      );
      return rule.never === true ? !hit : hit;
    }
    case 'segment':
      return c.segments?.has(rule.segmentId) ?? false;
    case 'consent':
      return c.consentedTopics.has(rule.topic);
    case 'suppressed':
      return c.suppressed === rule.value;
  }
}
