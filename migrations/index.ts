import { Foundation1763900000000 } from './1763900000000-Foundation.js';
import { SecurityCore1763900100000 } from './1763900100000-SecurityCore.js';
import { KeyRotation1763900200000 } from './1763900200000-KeyRotation.js';
import { ApiKeys1763900300000 } from './1763900300000-ApiKeys.js';
import { Contacts1763900400000 } from './1763900400000-Contacts.js';
import { Imports1763900500000 } from './1763900500000-Imports.js';
import { Templates1763900600000 } from './1763900600000-Templates.js';
import { Delivery1763900700000 } from './1763900700000-Delivery.js';
import { Segments1763900800000 } from './1763900800000-Segments.js';
import { Tracking1763900900000 } from './1763900900000-Tracking.js';
import { Campaigns1763901000000 } from './1763901000000-Campaigns.js';
import { Events1763901100000 } from './1763901100000-Events.js';
import { Webhooks1763901200000 } from './1763901200000-Webhooks.js';
import { Journeys1763901300000 } from './1763901300000-Journeys.js';
import { Retention1763901400000 } from './1763901400000-Retention.js';
import { AuditAnchors1763901500000 } from './1763901500000-AuditAnchors.js';
import { ImportWritePath1763901600000 } from './1763901600000-ImportWritePath.js';

/** Every migration, in order. The app and the migrate command load this list, never a glob. */
export const migrations = [
  Foundation1763900000000,
  SecurityCore1763900100000,
  KeyRotation1763900200000,
  ApiKeys1763900300000,
  Contacts1763900400000,
  Imports1763900500000,
  Templates1763900600000,
  Delivery1763900700000,
  Segments1763900800000,
  Tracking1763900900000,
  Campaigns1763901000000,
  Events1763901100000,
  Webhooks1763901200000,
  Journeys1763901300000,
  Retention1763901400000,
  AuditAnchors1763901500000,
  ImportWritePath1763901600000,
];
