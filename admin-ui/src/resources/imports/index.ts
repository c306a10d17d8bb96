import UploadFile from '@mui/icons-material/UploadFile';
import type { ResourceProps } from 'react-admin';

import { ImportList } from './ImportList';
import { ImportShow } from './ImportShow';
import { ImportCreate, ImportEdit } from './ImportWizard';

/** The wizard (`create`: upload; `edit`: mapping, consent, runs) and each import's progress page (`show`). */
export const imports: ResourceProps = {
  name: 'imports',
  list: ImportList,
  show: ImportShow,
  create: ImportCreate,
  edit: ImportEdit,
  icon: UploadFile,
};
