/** Every queue the platform uses. Names are wrapped in a Redis Cluster hash tag by the prefix. */
export enum QueueName {
  Maintenance = 'maintenance',
  Crypto = 'crypto',
  Imports = 'imports',
  Delivery = 'delivery',
  Webhooks = 'webhooks',
  Campaigns = 'campaigns',
  Journeys = 'journeys',
  Retention = 'retention',
}

/** Job names follow `domain.verb-noun`. Each has exactly one handler and a payload type below. */
export enum JobName {
  MaintenanceSweep = 'maintenance.sweep',
  CryptoReencrypt = 'crypto.reencrypt',
  ImportsRun = 'imports.run',
  DeliverySend = 'delivery.send',
  DeliveryProbeDomain = 'delivery.probe-domain',
  WebhooksDeliver = 'webhooks.deliver',
  CampaignsFanOut = 'campaigns.fan-out',
  JourneysAdvance = 'journeys.advance',
  JourneysWake = 'journeys.wake',
  RetentionSweep = 'retention.sweep',
  RetentionRun = 'retention.run',
}

/** Payloads carry identifiers only, never PHI. */
export interface JobPayloads {
  [JobName.MaintenanceSweep]: { scheduledAt: string };
  [JobName.CryptoReencrypt]: { rotationId: number };
  [JobName.ImportsRun]: { importId: string };
  [JobName.DeliverySend]: { deliveryIds: string[] };
  [JobName.DeliveryProbeDomain]: { domain: string };
  [JobName.WebhooksDeliver]: { deliveryId: string };
  [JobName.CampaignsFanOut]: { campaignId: string };
  [JobName.JourneysAdvance]: { enrollmentIds: string[] };
  [JobName.JourneysWake]: { at: string };
  [JobName.RetentionSweep]: { scheduledAt: string };
  [JobName.RetentionRun]: { runId: string };
}

export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.MaintenanceSweep]: QueueName.Maintenance,
  [JobName.CryptoReencrypt]: QueueName.Crypto,
  [JobName.ImportsRun]: QueueName.Imports,
  [JobName.DeliverySend]: QueueName.Delivery,
  [JobName.DeliveryProbeDomain]: QueueName.Delivery,
  [JobName.WebhooksDeliver]: QueueName.Webhooks,
  [JobName.CampaignsFanOut]: QueueName.Campaigns,
  [JobName.JourneysAdvance]: QueueName.Journeys,
  [JobName.JourneysWake]: QueueName.Journeys,
  [JobName.RetentionSweep]: QueueName.Retention,
  [JobName.RetentionRun]: QueueName.Retention,
};
