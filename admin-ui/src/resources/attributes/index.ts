import Tune from '@mui/icons-material/Tune';
import type { ResourceProps } from 'react-admin';

import { AttributeCreate } from './AttributeCreate';
import { AttributeEdit } from './AttributeEdit';
import { AttributeList } from './AttributeList';

/** Custom contact attributes: defined, relabelled and archived, never deleted. */
export const attributes: ResourceProps = {
  name: 'attributes',
  list: AttributeList,
  create: AttributeCreate,
  edit: AttributeEdit,
  icon: Tune,
  recordRepresentation: 'label',
};
