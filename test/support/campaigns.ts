import type { INestApplicationContext } from '@nestjs/common';
import type { AuditActor } from '../../backend/src/modules/audit/index.js';
import type { StoredMessageMeta } from '../../backend/src/dev/mail-sink/index.js';
import type { MailSink } from '../../backend/src/dev/mail-sink/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import type { ApiClient } from './api-client.js';

export const SYSTEM: AuditActor = { type: 'system' };

export const CAMPAIGN_MJML = `<mjml lang="en"><mj-body><mj-section><mj-column>
  <mj-text>Dear {{default contact.firstName "patient"}}, our autumn newsletter is here.</mj-text>
  <mj-button href="https://clinic.example/flu-shots">Book a flu shot</mj-button>
  <mj-text><a href="https://clinic.example/blog">Read the blog</a></mj-text>
  <mj-text>{{organization_address}} <a href="{{unsubscribe_url}}">Unsubscribe</a> <a href="{{preferences_url}}">Preferences</a></mj-text>
</mj-column></mj-section></mj-body></mjml>`;

/** A published marketing template version for campaigns. */
export async function publishTemplate(app: INestApplicationContext, name = 'Autumn newsletter', subject = 'Autumn news from your clinic'): Promise<number> {
  const templates = app.get(TemplatesService);
  const created = await templates.create({ name, category: 'marketing', subject, fromName: 'Clinic', mjml: CAMPAIGN_MJML }, SYSTEM);
  return (await templates.publish(created.template.id, SYSTEM)).version.id;
}

/** Creates, submits, approves (by someone else) and schedules a campaign over the API; returns its id. */
export async function launchCampaign(author: ApiClient, reviewer: ApiClient, body: Record<string, unknown>): Promise<string> {
  const created = await author.post<{ id: string }>('/api/v1/campaigns', body);
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id;
  for (const [client, step] of [
    [author, 'submit'],
    [reviewer, 'approve'],
    [author, 'schedule'],
  ] as const) {
    const res = await client.post(`/api/v1/campaigns/${id}/${step}`);
    if (res.status !== 200) throw new Error(`${step}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return id;
}

/** The sink's messages with the campaign id from their Feedback-ID header (`<campaign>:campaign:hipaa-mail`). */
export class SinkIndex {
  private readonly campaignOf = new Map<string, string | null>();

  constructor(private readonly sink: MailSink) {}

  async all(): Promise<(StoredMessageMeta & { campaignId: string | null })[]> {
    const items = this.sink.store.list({ limit: 500 }).items;
    const out: (StoredMessageMeta & { campaignId: string | null })[] = [];
    for (const meta of items) {
      if (!this.campaignOf.has(meta.id)) {
        const raw = (await this.sink.store.raw(meta.id))?.toString('latin1') ?? '';
        this.campaignOf.set(meta.id, /^Feedback-ID: (\d+):campaign:/im.exec(raw)?.[1] ?? null);
      }
      out.push({ ...meta, campaignId: this.campaignOf.get(meta.id) ?? null });
    }
    return out;
  }

  async of(campaignId: string) {
    return (await this.all()).filter((m) => m.campaignId === campaignId);
  }
}
