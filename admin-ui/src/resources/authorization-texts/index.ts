import Gavel from '@mui/icons-material/Gavel';
import type { ResourceProps } from 'react-admin';

import { AuthorizationTextCreate } from './AuthorizationTextCreate';
import { AuthorizationTextList } from './AuthorizationTextList';

/** A sub-page of Topics (not in the menu): published, never edited. */
export const authorizationTexts: ResourceProps = {
  name: 'authorization-texts',
  list: AuthorizationTextList,
  create: AuthorizationTextCreate,
  icon: Gavel,
  recordRepresentation: 'version',
};
