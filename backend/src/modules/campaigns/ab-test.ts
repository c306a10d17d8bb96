import { createHash } from 'node:crypto';
import type { AbMetric, AbTestSettings, Variant } from './campaigns.types.js';

export interface AudienceEntry {
  contactId: string;
  variant: Variant;
}

/**
 * The audience in send order. Without a test everyone gets A, in contact order. With one, a pseudo-random but
 * reproducible order (a hash of campaign and contact) puts the test groups first, alternating A and B, and the
 * rest, who will get the winner, after them.
 */
export function assignVariants(campaignId: string, contactIds: readonly string[], ab: AbTestSettings | null): { entries: AudienceEntry[]; testSize: number } {
  if (!ab) return { entries: contactIds.map((contactId) => ({ contactId, variant: 'a' })), testSize: contactIds.length };
  const shuffled = contactIds
    .map((contactId) => ({ contactId, key: createHash('sha256').update(`${campaignId}:${contactId}`).digest('hex') }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const wanted = Math.round((contactIds.length * ab.splitPercent) / 100);
  const testSize = Math.min(contactIds.length, Math.max(wanted, Math.min(2, contactIds.length)));
  const entries = shuffled.map(({ contactId }, i): AudienceEntry => ({ contactId, variant: i >= testSize ? 'rest' : i % 2 === 0 ? 'a' : 'b' }));
  return { entries, testSize };
}

export interface VariantStats {
  delivered: number;
  uniqueOpens: number;
  uniqueClicks: number;
}

export interface AbDecision {
  winner: 'a' | 'b';
  metric: AbMetric;
  rates: { a: number; b: number };
  stats: { a: VariantStats; b: VariantStats };
}

/** The variant with the higher rate of unique human opens (or clicks) per delivered message; a tie keeps A, the control. */
export function pickWinner(stats: { a: VariantStats; b: VariantStats }, metric: AbMetric): AbDecision {
  const rate = (s: VariantStats) => (s.delivered ? (metric === 'opens' ? s.uniqueOpens : s.uniqueClicks) / s.delivered : 0);
  const rates = { a: rate(stats.a), b: rate(stats.b) };
  return { winner: rates.b > rates.a ? 'b' : 'a', metric, rates, stats };
}
