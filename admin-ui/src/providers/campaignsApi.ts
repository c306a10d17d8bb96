import type { Identifier } from 'react-admin';

import { API_PREFIX, httpClient } from './httpClient';

/** Campaign calls beyond react-admin's CRUD (which the data provider serves at `/campaigns`). */

export type CampaignStatus = 'draft' | 'submitted' | 'approved' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled';

export interface AbTest {
  kind: 'subject' | 'template';
  subjectB?: string | null;
  templateVersionIdB?: number | null;
  splitPercent: number;
  metric: 'opens' | 'clicks';
  afterHours: number;
}

export interface CampaignRecord {
  id: string;
  name: string;
  status: CampaignStatus;
  topic: string | null;
  includeSegmentIds: number[];
  excludeSegmentIds: number[];
  templateVersionId: number | null;
  sender: { fromName: string; fromLocalPart: string; sendingDomain: string | null; replyTo: string | null };
  schedule: { kind: 'now' | 'at' | 'local_time'; sendAt: string | null; date: string | null; time: string | null; fallbackTimeZone: string };
  throttlePerHour: number | null;
  abTest: AbTest | null;
  fourEyes: boolean;
  editable: boolean;
  reviewNote: string | null;
  createdBy: string | null;
  submittedBy: string | null;
  approvedBy: string | null;
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
  approvedAt: string | null;
  sendAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  audienceCount: number | null;
  abPhase: 'testing' | 'decided' | null;
  abDecideAt: string | null;
  abWinner: 'a' | 'b' | null;
}

export interface PreSendChecks {
  ready: boolean;
  problems: { field: string; message: string }[];
  audience: { included: number; excludedBySegments: number; total: number; eligible: number; frozen: boolean };
  exclusions: { reason: string; count: number }[];
  domains: {
    recipients: number;
    byStatus: Record<string, number>;
    noTls: { domain: string; status: string; reason: string | null; recipients: number }[];
    unknown: number;
  };
  template: { warnings: { code: string; field: string; message: string; detail?: string; variant: 'a' | 'b' }[] };
  sendingDomain: { domain: string; dkim: 'configured' | 'missing'; selector: string | null };
  frequencyCapPerWeek: number;
}

export interface CampaignProgress {
  status: CampaignStatus;
  total: number | null;
  notQueued: number;
  queued: number;
  sending: number;
  paused: number;
  sent: number;
  dropped: number;
  bounced: number;
  failed: number;
  cancelled: number;
  done: number;
  ratePerMinute: number;
  etaSeconds: number | null;
  abPhase: 'testing' | 'decided' | null;
  abDecideAt: string | null;
}

export interface EngagementCounts {
  total: number;
  human: number;
  machine: number;
  uniqueContacts: number;
  uniqueHumanContacts: number;
}

export interface CampaignReport {
  totals: {
    audience: number | null;
    deliveries: number;
    delivered: number;
    dropped: number;
    droppedNoTls: number;
    droppedConsent: number;
    droppedSuppressed: number;
    droppedFrequency: number;
    bounced: number;
    failed: number;
    cancelled: number;
    pending: number;
    opens: EngagementCounts;
    clicks: EngagementCounts;
    unsubscribes: number;
    complaints: number;
    openRate: number;
    clickThroughRate: number;
    clickToOpenRate: number;
  };
  hourly: { hour: string; delivered: number; dropped: number; bounced: number; opens: number; machineOpens: number; clicks: number; machineClicks: number }[];
  links: { linkIndex: number; url: string | null; clicks: number; humanClicks: number; uniqueHumanClickers: number }[];
  domains: {
    domain: string;
    deliveries: number;
    delivered: number;
    droppedNoTls: number;
    bounced: number;
    uniqueHumanOpens: number;
    uniqueHumanClicks: number;
  }[];
  variants: { variant: string; deliveries: number; delivered: number; uniqueHumanOpens: number; uniqueHumanClicks: number }[];
}

export type CampaignAction = 'submit' | 'withdraw' | 'approve' | 'reject' | 'schedule' | 'pause' | 'resume' | 'cancel';

const path = (id: Identifier) => `/campaigns/${encodeURIComponent(String(id))}`;

export const campaignsApi = {
  async act(id: Identifier, action: CampaignAction, note?: string): Promise<CampaignRecord> {
    return (await httpClient<CampaignRecord>(`${path(id)}/${action}`, { method: 'POST', body: note === undefined ? {} : { note } })).body;
  },
  async checks(id: Identifier, signal?: AbortSignal): Promise<PreSendChecks> {
    return (await httpClient<PreSendChecks>(`${path(id)}/checks`, { signal })).body;
  },
  async progress(id: Identifier, signal?: AbortSignal): Promise<CampaignProgress> {
    return (await httpClient<CampaignProgress>(`${path(id)}/progress`, { signal })).body;
  },
  async report(id: Identifier, signal?: AbortSignal): Promise<CampaignReport> {
    return (await httpClient<CampaignReport>(`${path(id)}/report`, { signal })).body;
  },
  async audienceCount(include: number[], exclude: number[], signal?: AbortSignal): Promise<{ included: number; excludedBySegments: number; audience: number }> {
    return (
      await httpClient<{ included: number; excludedBySegments: number; audience: number }>('/campaigns/audience-count', {
        method: 'POST',
        body: { includeSegmentIds: include, excludeSegmentIds: exclude },
        signal,
      })
    ).body;
  },
  reportCsvUrl(id: Identifier): string {
    return `${API_PREFIX}${path(id)}/report.csv`;
  },
};
