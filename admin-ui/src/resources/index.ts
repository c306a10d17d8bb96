import type { ResourceProps } from 'react-admin';

import { apiKeys } from './api-keys';
import { auditEvents } from './audit-events';
import { keyRotations } from './key-rotations';
import { users } from './users';

/**
 * One folder per resource (`users/`, `api-keys/`…), each exporting
 * `{ name, list, show, edit, create, icon }`; App renders a <Resource> for each entry, and the
 * menu lists those the user may open (in this order).
 */
export const resources: ResourceProps[] = [users, apiKeys, auditEvents, keyRotations];
