import Drafts from '@mui/icons-material/Drafts';
import { Chip, Typography } from '@mui/material';
import { CreateButton, DataTable, List, TopToolbar, useCanAccess } from 'react-admin';

import { EmptyState } from '../../components/EmptyState';
import { formatDateTime } from '../../components/format';
import { scrollableTable } from '../../components/tableStyles';
import type { TemplateRecord } from '../../providers/dataProvider';
import { TemplateCategoryChip } from './TemplateChips';

function NoTemplates() {
  return (
    <EmptyState icon={<Drafts className="empty-icon" />} title="No templates yet" action={<CreateButton label="New template" variant="contained" />}>
      Templates are the e-mails campaigns send, written in MJML. Start from one of the starters (appointment reminder, newsletter…) or from a blank page.
    </EmptyState>
  );
}

/** When the template last changed: its latest version's publication or creation. */
function updatedAt(template: TemplateRecord): string {
  const dates = template.versions.flatMap((v) => [v.createdAt, v.publishedAt ?? v.createdAt]);
  return dates.length ? dates.reduce((a, b) => (a > b ? a : b)) : template.createdAt;
}

export function TemplateList() {
  const { canAccess: canEdit } = useCanAccess({ resource: 'templates', action: 'edit' });
  return (
    <List
      title="Templates"
      actions={
        <TopToolbar>
          <CreateButton label="New template" />
        </TopToolbar>
      }
      exporter={false}
      pagination={false}
      perPage={500}
      empty={<NoTemplates />}
    >
      <DataTable<TemplateRecord> rowClick={canEdit ? 'edit' : false} bulkActionButtons={false} sx={scrollableTable} data-testid="templates-table">
        <DataTable.Col<TemplateRecord>
          source="name"
          label="Template"
          disableSort
          render={(template) => (
            <Typography variant="body2" sx={{ fontWeight: 500 }}>
              {template.name}
            </Typography>
          )}
        />
        <DataTable.Col<TemplateRecord>
          source="category"
          label="Category"
          disableSort
          render={(template) => <TemplateCategoryChip category={template.category} />}
        />
        <DataTable.Col<TemplateRecord>
          source="publishedVersion"
          label="Published"
          disableSort
          render={(template) =>
            template.publishedVersion === null ? (
              <Chip size="small" label="Draft only" />
            ) : (
              <Chip size="small" color="success" label={`v${template.publishedVersion}`} />
            )
          }
        />
        <DataTable.Col<TemplateRecord>
          label="Updated"
          disableSort
          render={(template) => (
            <Typography component="span" variant="body2" title={updatedAt(template)} sx={{ whiteSpace: 'nowrap' }}>
              {formatDateTime(updatedAt(template))}
            </Typography>
          )}
        />
      </DataTable>
    </List>
  );
}
