/** A campaign's life: edited as a draft, reviewed, then sent; paused and cancelled on the way. */
export const CAMPAIGN_STATUSES = ['draft', 'submitted', 'approved', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const SCHEDULE_KINDS = ['now', 'at', 'local_time'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** When sending starts: at once, at an instant, or at a wall-clock time in each recipient's own time zone. */
export interface CampaignSchedule {
  kind: ScheduleKind;
  /** `at`: ISO instant. */
  sendAt?: string | null;
  /** `local_time`: the day (YYYY-MM-DD) and time (HH:MM) on each recipient's clock. */
  date?: string | null;
  time?: string | null;
  /** `local_time`: the zone of recipients without a valid one of their own. */
  fallbackTimeZone?: string;
}

export const AB_KINDS = ['subject', 'template'] as const;
export const AB_METRICS = ['opens', 'clicks'] as const;
export type AbMetric = (typeof AB_METRICS)[number];

/**
 * An A/B test: `splitPercent` of the audience is split evenly between A (the campaign's template and subject) and B;
 * after `afterHours` the variant with the higher rate of unique human opens (or clicks) per delivered message wins,
 * and the rest of the audience gets the winner.
 */
export interface AbTestSettings {
  kind: (typeof AB_KINDS)[number];
  subjectB?: string | null;
  templateVersionIdB?: number | null;
  splitPercent: number;
  metric: AbMetric;
  afterHours: number;
}

export interface SenderIdentity {
  fromName: string;
  /** Local part of the From address; the domain is the sending domain. */
  fromLocalPart: string;
  /** A sending domain (DKIM key); empty: the platform's MAIL_FROM. */
  sendingDomain: string | null;
  replyTo: string | null;
}

export type Variant = 'a' | 'b' | 'rest';
