import ContactMail from '@mui/icons-material/ContactMail';
import type { ResourceProps } from 'react-admin';

import { ContactCreate } from './ContactCreate';
import { ContactEdit } from './ContactEdit';
import { ContactList } from './ContactList';
import { ContactShow } from './ContactShow';

/** Masked everywhere; PHI only through an audited reveal or export. Erased, never deleted. */
export const contacts: ResourceProps = {
  name: 'contacts',
  list: ContactList,
  show: ContactShow,
  create: ContactCreate,
  edit: ContactEdit,
  icon: ContactMail,
};
