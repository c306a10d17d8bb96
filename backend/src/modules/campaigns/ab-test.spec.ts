import { describe, expect, it } from 'vitest';
import { assignVariants, pickWinner } from './ab-test.js';
import type { AbTestSettings } from './campaigns.types.js';

const AB: AbTestSettings = { kind: 'subject', subjectB: 'B', splitPercent: 20, metric: 'opens', afterHours: 4 };
const ids = Array.from({ length: 1000 }, (_, i) => String(i + 1));

describe('A/B test', () => {
  it('sends everyone A, in contact order, without a test', () => {
    const { entries, testSize } = assignVariants('7', ids, null);
    expect(testSize).toBe(1000);
    expect(entries.map((e) => e.contactId)).toEqual(ids);
    expect(new Set(entries.map((e) => e.variant))).toEqual(new Set(['a']));
  });

  it('puts an even test split first and the rest after, reproducibly, with everyone exactly once', () => {
    const first = assignVariants('7', ids, AB);
    expect(first.testSize).toBe(200);
    const head = first.entries.slice(0, 200);
    expect(head.filter((e) => e.variant === 'a')).toHaveLength(100);
    expect(head.filter((e) => e.variant === 'b')).toHaveLength(100);
    expect(first.entries.slice(200).every((e) => e.variant === 'rest')).toBe(true);
    expect(new Set(first.entries.map((e) => e.contactId)).size).toBe(1000);
    expect(assignVariants('7', ids, AB)).toEqual(first);
    // Another campaign draws other test groups.
    expect(assignVariants('8', ids, AB).entries.slice(0, 200)).not.toEqual(head);
  });

  it('tests on at least one recipient per variant, and on everyone at 100 %', () => {
    expect(assignVariants('1', ['1', '2', '3'], { ...AB, splitPercent: 2 }).testSize).toBe(2);
    expect(assignVariants('1', ids, { ...AB, splitPercent: 100 }).entries.some((e) => e.variant === 'rest')).toBe(false);
  });

  it('picks the higher rate per delivered message, opens or clicks; a tie keeps A', () => {
    const stats = { a: { delivered: 100, uniqueOpens: 30, uniqueClicks: 9 }, b: { delivered: 50, uniqueOpens: 20, uniqueClicks: 2 } };
    expect(pickWinner(stats, 'opens')).toMatchObject({ winner: 'b', rates: { a: 0.3, b: 0.4 } });
    expect(pickWinner(stats, 'clicks')).toMatchObject({ winner: 'a', rates: { a: 0.09, b: 0.04 } });
    expect(pickWinner({ a: { delivered: 0, uniqueOpens: 0, uniqueClicks: 0 }, b: { delivered: 0, uniqueOpens: 0, uniqueClicks: 0 } }, 'opens').winner).toBe(
      'a',
    );
  });
});
