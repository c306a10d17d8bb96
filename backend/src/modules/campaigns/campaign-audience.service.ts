import { Injectable } from '@nestjs/common';
import { type SegmentRule, SegmentsService } from '../segments/index.js';

const today = () => new Date().toISOString().slice(0, 10);

/** The rule "in any included segment and in no excluded one", over saved-segment leaves. */
export function audienceRule(include: readonly number[], exclude: readonly number[]): SegmentRule {
  const any = (ids: readonly number[]): SegmentRule => ({ op: 'or', rules: ids.map((segmentId) => ({ field: 'segment' as const, segmentId })) });
  return exclude.length ? { op: 'and', rules: [any(include), { op: 'not', rule: any(exclude) }] } : any(include);
}

/** Who a campaign's segments select right now, through the segments module (dynamic segments live, snapshot segments frozen). */
@Injectable()
export class CampaignAudience {
  constructor(private readonly segments: SegmentsService) {}

  /** Contact ids in contact order; empty without an included segment. */
  async members(include: readonly number[], exclude: readonly number[]): Promise<string[]> {
    if (include.length === 0) return [];
    return (await this.segments.members(audienceRule(include, exclude), today())).ids;
  }

  /** The audience size, and how many of the included contacts the excluded segments removed. */
  async count(include: readonly number[], exclude: readonly number[]): Promise<{ included: number; excludedBySegments: number; audience: number }> {
    if (include.length === 0) return { included: 0, excludedBySegments: 0, audience: 0 };
    const included = (await this.segments.count(audienceRule(include, []), today())).count;
    const audience = exclude.length ? (await this.segments.count(audienceRule(include, exclude), today())).count : included;
    return { included, excludedBySegments: included - audience, audience };
  }
}
