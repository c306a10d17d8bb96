import { describe, expect, it } from 'vitest';
import { AUDIT_MIN_DAYS, countsOf, cutoffsOf, emptyCounts, monthsBefore, policyProblems, type RetentionSettings } from './retention-policy.js';

const base: RetentionSettings = {
  contactInactiveMonths: 24,
  contactAction: 'anonymize',
  messageDetailDays: 365,
  engagementDays: 730,
  inboundPayloadDays: 30,
  auditDays: AUDIT_MIN_DAYS,
  scheduleEnabled: true,
};

describe('retention policy', () => {
  it('accepts a complete policy, and null for every category but the audit trail', () => {
    expect(policyProblems(base)).toEqual([]);
    expect(policyProblems({ ...base, contactInactiveMonths: null, messageDetailDays: null, engagementDays: null, inboundPayloadDays: null })).toEqual([]);
  });

  it('keeps the audit trail six years at least: a lower value names auditDays', () => {
    expect(policyProblems({ ...base, auditDays: AUDIT_MIN_DAYS - 1 })).toEqual([
      { field: 'auditDays', message: expect.stringContaining('at least 2190') as string },
    ]);
    expect(policyProblems({ ...base, auditDays: null as unknown as number }).map((p) => p.field)).toEqual(['auditDays']);
    expect(policyProblems({ ...base, auditDays: 4000 })).toEqual([]);
  });

  it('names each setting out of its bounds or not a whole number', () => {
    const problems = policyProblems({
      ...base,
      contactInactiveMonths: 1,
      messageDetailDays: 7,
      engagementDays: 10.5,
      inboundPayloadDays: 0,
      contactAction: 'shred' as 'delete',
    });
    expect(problems.map((p) => p.field)).toEqual(['contactInactiveMonths', 'messageDetailDays', 'engagementDays', 'inboundPayloadDays', 'contactAction']);
  });
});

describe('cut-offs', () => {
  const now = new Date('2026-03-31T10:20:30.400Z');

  it('goes back calendar months in UTC, clamping to the last day of a shorter month', () => {
    expect(monthsBefore(now, 1).toISOString()).toBe('2026-02-28T10:20:30.400Z');
    expect(monthsBefore(now, 13).toISOString()).toBe('2025-02-28T10:20:30.400Z');
    expect(monthsBefore(new Date('2024-03-31T00:00:00Z'), 1).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(monthsBefore(new Date('2026-01-15T12:00:00Z'), 24).toISOString()).toBe('2024-01-15T12:00:00.000Z');
  });

  it('is fixed per category from one instant; a category that is off has none', () => {
    expect(cutoffsOf(base, now)).toEqual({
      contacts: '2024-03-31T10:20:30.400Z',
      messageDetail: '2025-03-31T10:20:30.400Z',
      engagement: '2024-03-31T10:20:30.400Z',
      inboundPayloads: '2026-03-01T10:20:30.400Z',
      audit: '2020-04-01T10:20:30.400Z',
    });
    const off = cutoffsOf({ ...base, contactInactiveMonths: null, messageDetailDays: null, engagementDays: null, inboundPayloadDays: null }, now);
    expect(off).toMatchObject({ contacts: null, messageDetail: null, engagement: null, inboundPayloads: null });
  });
});

describe('counts', () => {
  it('completes stored counts with zeros and reads bigint text as numbers', () => {
    expect(countsOf(null)).toEqual(emptyCounts());
    expect(countsOf({ contacts: '3', engagementEvents: 12, auditEntries: '40', other: 5 })).toEqual({
      ...emptyCounts(),
      contacts: 3,
      engagementEvents: 12,
      auditEntries: 40,
    });
  });
});
