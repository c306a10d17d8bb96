import Tune from '@mui/icons-material/Tune';
import { Box, Chip, Stack, Typography } from '@mui/material';
import { CreateButton, DataTable, List, TopToolbar, useCanAccess } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';
import type { AttributeRecord } from '../../providers/dataProvider';
import { attributeTypeName } from './attributeTypes';

function AttributeListActions() {
  return (
    <TopToolbar>
      <CreateButton label="New attribute" />
    </TopToolbar>
  );
}

function NoAttributes() {
  return (
    <EmptyState icon={<Tune className="empty-icon" />} title="No custom attributes yet" action={<CreateButton label="New attribute" variant="contained" />}>
      Custom attributes hold what your organisation tracks beyond the standard fields (a clinic location, a care program, a preferred channel), to segment and
      personalise messages. Each one is PHI or not, and typed.
    </EmptyState>
  );
}

export function PhiChip({ isPhi }: { isPhi: boolean }) {
  return isPhi ? (
    <Chip size="small" color="secondary" label="PHI" data-testid="phi-chip" />
  ) : (
    <Chip size="small" variant="outlined" label="Not PHI" data-testid="phi-chip" />
  );
}

/** Every definition, archived ones too (contacts may still hold their values). */
export function AttributeList() {
  const { canAccess: canEdit } = useCanAccess({ resource: 'attributes', action: 'edit' });
  return (
    <List title="Custom attributes" actions={<AttributeListActions />} exporter={false} pagination={false} perPage={500} empty={<NoAttributes />}>
      <DataTable<AttributeRecord> rowClick={canEdit ? 'edit' : false} bulkActionButtons={false} sx={scrollableTable} data-testid="attributes-table">
        <DataTable.Col<AttributeRecord>
          source="label"
          label="Attribute"
          disableSort
          render={(attribute) => (
            <Stack>
              <Typography variant="body2" sx={{ fontWeight: 500 }}>
                {attribute.label}
              </Typography>
              <Box component="code" sx={{ fontSize: '0.8rem', color: 'text.secondary' }}>
                {attribute.key}
              </Box>
            </Stack>
          )}
        />
        <DataTable.Col<AttributeRecord> source="type" label="Type" disableSort render={(attribute) => attributeTypeName(attribute.type)} />
        <DataTable.Col<AttributeRecord>
          source="options"
          label="Options"
          disableSort
          render={(attribute) =>
            attribute.options.length ? (
              <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: 'wrap' }}>
                {attribute.options.map((option) => (
                  <Chip key={option} size="small" variant="outlined" label={option} />
                ))}
              </Stack>
            ) : (
              '—'
            )
          }
        />
        <DataTable.Col<AttributeRecord> source="isPhi" label="PHI" disableSort render={(attribute) => <PhiChip isPhi={attribute.isPhi} />} />
        <DataTable.Col<AttributeRecord>
          source="archived"
          label="Status"
          disableSort
          render={(attribute) =>
            attribute.archived ? (
              <Chip size="small" variant="outlined" label="Archived" />
            ) : (
              <Chip size="small" variant="outlined" color="success" label="In use" />
            )
          }
        />
        <DataTable.Col source="createdAt" label="Created" disableSort>
          <DateTimeField source="createdAt" />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
