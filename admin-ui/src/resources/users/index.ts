import PeopleAlt from '@mui/icons-material/PeopleAlt';
import type { ResourceProps } from 'react-admin';

import { UserCreate } from './UserCreate';
import { UserEdit } from './UserEdit';
import { UserList } from './UserList';
import { UserShow } from './UserShow';

export const users: ResourceProps = {
  name: 'users',
  list: UserList,
  show: UserShow,
  edit: UserEdit,
  create: UserCreate,
  icon: PeopleAlt,
  recordRepresentation: 'displayName',
};
