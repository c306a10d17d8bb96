import { Chip } from '@mui/material';

import type { TemplateCategory } from '../../providers/dataProvider';

export const CATEGORY_CHOICES: { id: TemplateCategory; name: string }[] = [
  { id: 'marketing', name: 'Marketing' },
  { id: 'transactional', name: 'Transactional' },
];

export function TemplateCategoryChip({ category }: { category: TemplateCategory }) {
  return (
    <Chip
      size="small"
      variant="outlined"
      color={category === 'marketing' ? 'primary' : 'default'}
      label={category === 'marketing' ? 'Marketing' : 'Transactional'}
    />
  );
}
