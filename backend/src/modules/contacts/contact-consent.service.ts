import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { ConsentService, type ConsentStatus, type ConsentMethod, PreferenceTokens, type SuppressionReason, TopicsService } from '../consent/index.js';
import { ConfirmationMailer } from './confirmation-mailer.js';
import { ContactsService } from './contacts.service.js';

/** Consent actions on one contact: through the API, the preference center and double opt-in. */
@Injectable()
export class ContactConsentService {
  private readonly logger = new Logger(ContactConsentService.name);

  constructor(
    private readonly contacts: ContactsService,
    private readonly consent: ConsentService,
    private readonly topics: TopicsService,
    private readonly tokens: PreferenceTokens,
    private readonly mailer: ConfirmationMailer,
    private readonly audit: AuditService,
  ) {}

  async overview(contactId: string) {
    await this.contacts.get(contactId);
    const [current, history, authorizations] = await Promise.all([
      this.consent.current(contactId),
      this.consent.history(contactId),
      this.consent.authorizations(contactId),
    ]);
    const token = await this.contacts.emailTokenOf(contactId);
    const suppression = token ? await this.consent.suppressionOf(token) : null;
    // Evidence (IP, user agent) is PHI: the overview shows that it exists, the export shows it.
    return { current, history: history.map((h) => ({ ...h, evidence: h.evidence ? { recorded: true } : null })), authorizations, suppression };
  }

  /**
   * Records a consent change. A double opt-in request is recorded as pending and the
   * confirmation e-mail goes out; the link confirms it.
   */
  async change(
    contactId: string,
    input: { topic: string; status: ConsentStatus; method: ConsentMethod; source: string; evidence?: { ip?: string; userAgent?: string; note?: string } },
    actor: AuditActor,
  ) {
    const contact = await this.contacts.get(contactId);
    if (contact.status !== 'active') throw new DomainError('contact_erased', 'This contact was erased', 410);
    const topic = await this.topics.byKey(input.topic);
    const status: ConsentStatus = input.method === 'double_opt_in' && input.status === 'confirmed' ? 'pending' : input.status;
    await this.consent.recordOne({
      contactId,
      topicId: topic.id,
      status,
      method: input.method,
      source: input.source,
      evidence: input.evidence,
      actor: { type: actor.type, id: actor.id },
    });
    await this.audit.record({
      actor,
      action: 'consent.changed',
      subject: { type: 'contact', id: contactId },
      details: { topic: topic.key, status, method: input.method },
    });
    let confirmationSent = false;
    if (input.method === 'double_opt_in' && status === 'pending') confirmationSent = await this.sendConfirmation(contactId, topic.id, topic.name);
    return { topic: topic.key, status, confirmationSent };
  }

  async sendConfirmation(contactId: string, topicId: number, topicName: string): Promise<boolean> {
    const phi = await this.contacts.phiForProcessing(contactId);
    if (!phi) return false;
    try {
      await this.mailer.sendConfirmation(phi.email, phi.firstName, topicName, this.tokens.issue('confirm', contactId, topicId));
      return true;
    } catch (err) {
      this.logger.warn({ err, contactId }, 'double opt-in confirmation not sent');
      return false;
    }
  }

  async suppress(email: string, reason: SuppressionReason, actor: AuditActor) {
    const created = await this.consent.suppress(this.contacts.emailToken(email), reason, 'admin', { type: actor.type, id: actor.id });
    await this.audit.record({ actor, action: 'suppression.added', details: { reason, created } });
    return { created };
  }
}
