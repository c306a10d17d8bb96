import Drafts from '@mui/icons-material/Drafts';
import type { ResourceProps } from 'react-admin';

import { TemplateCreate } from './TemplateCreate';
import { TemplateEditor } from './TemplateEditor';
import { TemplateList } from './TemplateList';

/** E-mail templates in MJML: a draft is edited and previewed, published versions are frozen. */
export const templates: ResourceProps = {
  name: 'templates',
  list: TemplateList,
  create: TemplateCreate,
  edit: TemplateEditor,
  icon: Drafts,
  recordRepresentation: 'name',
};
