import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Counts of one engagement type: machine opens and scanner clicks apart, so reports show what people did. */
export interface EngagementCounts {
  total: number;
  human: number;
  machine: number;
  uniqueContacts: number;
  uniqueHumanContacts: number;
}

export interface TrackingSummary {
  campaignId: string;
  opens: EngagementCounts;
  clicks: EngagementCounts;
  unsubscribes: EngagementCounts;
}

const TYPES = { opened: 'opens', clicked: 'clicks', unsubscribed: 'unsubscribes' } as const;

/** Aggregates only (no contact, no address): what the reports and the analyst role see. */
@Injectable()
export class TrackingStatsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async summary(campaignId: string): Promise<TrackingSummary> {
    // A read-only aggregate over the engagement module's table; it belongs in EngagementService once reports grow.
    const rows = await this.dataSource.query<{ type: keyof typeof TYPES; machine: boolean | null; total: number; contacts: number }[]>(
      `SELECT type, machine, count(*)::int AS total, count(DISTINCT contact_id)::int AS contacts
         FROM engagement_events
        WHERE campaign_id = $1 AND type = ANY($2::text[])
        GROUP BY GROUPING SETS ((type, machine), (type))`,
      [campaignId, Object.keys(TYPES)],
    );
    const empty = (): EngagementCounts => ({ total: 0, human: 0, machine: 0, uniqueContacts: 0, uniqueHumanContacts: 0 });
    const summary: TrackingSummary = { campaignId, opens: empty(), clicks: empty(), unsubscribes: empty() };
    for (const row of rows) {
      const counts = summary[TYPES[row.type]];
      if (row.machine === null) {
        counts.total = row.total;
        counts.uniqueContacts = row.contacts;
      } else if (row.machine) {
        counts.machine = row.total;
      } else {
        counts.human = row.total;
        counts.uniqueHumanContacts = row.contacts;
      }
    }
    return summary;
  }
}
