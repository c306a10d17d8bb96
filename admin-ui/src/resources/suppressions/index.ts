import Block from '@mui/icons-material/Block';
import type { ResourceProps } from 'react-admin';

import { SuppressionList } from './SuppressionList';

/** One page: the list, adding an address (a dialog) and removing a suppression. */
export const suppressions: ResourceProps = {
  name: 'suppressions',
  list: SuppressionList,
  icon: Block,
};
