import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { TemplatesService } from '../templates/index.js';
import { DeliveryService } from './delivery.service.js';

/**
 * Test sends of a published template version to a seed list, through the same delivery tier as real
 * sends (TLS-only, DKIM, tracking), rendered with the built-in sample patient instead of a contact.
 */
@Injectable()
export class TestSendsService {
  constructor(
    private readonly templates: TemplatesService,
    private readonly deliveries: DeliveryService,
    private readonly audit: AuditService,
  ) {}

  async send(templateId: number, versionNumber: number, addresses: readonly string[], actor: AuditActor): Promise<{ deliveryIds: string[] }> {
    const version = await this.templates.getVersion(templateId, versionNumber);
    if (version.status !== 'published')
      throw new DomainError('template_version_not_published', 'version: only a published version can be test-sent; publish the draft first', 422, [
        { field: 'version', message: 'not published' },
      ]);
    const unique = [...new Map(addresses.map((a) => [a.trim().toLowerCase(), a.trim()])).values()];
    const { created } = await this.deliveries.enqueue(
      unique.map((seedAddress) => ({
        idempotencyKey: `test:${String(version.id)}:${randomUUID()}`,
        templateVersionId: version.id,
        seedAddress,
        purpose: 'test' as const,
        topicId: null,
      })),
    );
    // The count only: seed addresses are people's mailboxes and stay out of the audit trail.
    await this.audit.record({
      actor,
      action: 'template.test_sent',
      subject: { type: 'template', id: String(templateId) },
      details: { version: versionNumber, templateVersionId: version.id, count: created.length },
    });
    return { deliveryIds: created };
  }
}
