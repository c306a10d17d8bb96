import VpnKey from '@mui/icons-material/VpnKey';
import type { ResourceProps } from 'react-admin';

import { ApiKeyCreate } from './ApiKeyCreate';
import { ApiKeyList } from './ApiKeyList';

/** Listed, created and revoked; never edited (a key's scopes are fixed when it is issued). */
export const apiKeys: ResourceProps = {
  name: 'api-keys',
  list: ApiKeyList,
  create: ApiKeyCreate,
  icon: VpnKey,
  recordRepresentation: 'name',
};
