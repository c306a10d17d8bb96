import type { ResourceProps } from 'react-admin';

import { apiKeys } from './api-keys';
import { attributes } from './attributes';
import { auditEvents } from './audit-events';
import { authorizationTexts } from './authorization-texts';
import { campaigns } from './campaigns';
import { accessReview, breachResponse, complianceReports } from './compliance';
import { contacts } from './contacts';
import { deliveries } from './deliveries';
import { domainTls } from './domain-tls';
import { imports } from './imports';
import { journeys } from './journeys';
import { inboundMessages } from './inbound-messages';
import { keyRotations } from './key-rotations';
import { queues } from './queues';
import { retention } from './retention';
import { segments } from './segments';
import { sendingDomains } from './sending-domains';
import { suppressions } from './suppressions';
import { templates } from './templates';
import { topics } from './topics';
import { users } from './users';
import { webhookDeliveries } from './webhook-deliveries';
import { webhooks } from './webhooks';

/**
 * One folder per resource (`users/`, `contacts/`…), each exporting
 * `{ name, list, show, edit, create, icon }`; App renders a <Resource> for each entry. The menu
 * (layout/AppMenu) groups those the user may open by section.
 */
export const resources: ResourceProps[] = [
  contacts,
  imports,
  segments,
  templates,
  campaigns,
  journeys,
  deliveries,
  domainTls,
  sendingDomains,
  inboundMessages,
  webhooks,
  webhookDeliveries,
  complianceReports,
  accessReview,
  breachResponse,
  retention,
  topics,
  authorizationTexts,
  attributes,
  suppressions,
  users,
  apiKeys,
  auditEvents,
  keyRotations,
  queues,
];
