import Groups from '@mui/icons-material/Groups';
import { Chip, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { CreateButton, DataTable, List, TopToolbar, useCanAccess, useDataProvider } from 'react-admin';

import { EmptyState } from '../../components/EmptyState';
import { formatDateTime, formatNumber } from '../../components/format';
import { scrollableTable } from '../../components/tableStyles';
import type { HipaaDataProvider, SegmentRecord } from '../../providers/dataProvider';

function NoSegments() {
  return (
    <EmptyState icon={<Groups className="empty-icon" />} title="No saved segments yet" action={<CreateButton label="New segment" variant="contained" />}>
      A segment selects contacts by their conditions, age, insurance, location, consent and engagement, without the database holding that PHI in plain text.
      Build one and watch the count as you go.
    </EmptyState>
  );
}

/** The members a send would use now, counted when the row shows. */
function MemberCount({ segment }: { segment: SegmentRecord }) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    dataProvider
      .countSegment(segment.id, { signal: controller.signal })
      .then(({ data }) => setCount(typeof data.count === 'number' ? data.count : null))
      .catch(() => undefined);
    return () => controller.abort();
  }, [dataProvider, segment.id]);
  return (
    <Typography component="span" variant="body2" data-testid="segment-member-count">
      {count === null ? '…' : formatNumber(count)}
    </Typography>
  );
}

export function SegmentList() {
  const { canAccess: canEdit } = useCanAccess({ resource: 'segments', action: 'edit' });
  return (
    <List
      title="Segments"
      actions={
        <TopToolbar>
          <CreateButton label="New segment" />
        </TopToolbar>
      }
      exporter={false}
      sort={{ field: 'id', order: 'DESC' }}
      empty={<NoSegments />}
    >
      <DataTable<SegmentRecord> rowClick={canEdit ? 'edit' : false} bulkActionButtons={false} sx={scrollableTable} data-testid="segments-table">
        <DataTable.Col<SegmentRecord>
          source="name"
          label="Segment"
          disableSort
          render={(segment) => (
            <>
              <Typography variant="body2" sx={{ fontWeight: 500 }}>
                {segment.name}
              </Typography>
              {segment.description && (
                <Typography variant="caption" color="text.secondary">
                  {segment.description}
                </Typography>
              )}
            </>
          )}
        />
        <DataTable.Col<SegmentRecord>
          source="kind"
          label="Kind"
          disableSort
          render={(segment) => (
            <Chip size="small" label={segment.kind === 'snapshot' ? 'Snapshot' : 'Dynamic'} color={segment.kind === 'snapshot' ? 'info' : 'default'} />
          )}
        />
        <DataTable.Col<SegmentRecord> label="Members" disableSort render={(segment) => <MemberCount segment={segment} />} />
        <DataTable.Col<SegmentRecord>
          label="Last snapshot"
          disableSort
          render={(segment) =>
            segment.lastSnapshot ? `${formatNumber(segment.lastSnapshot.count)} on ${formatDateTime(segment.lastSnapshot.createdAt) ?? ''}` : '—'
          }
        />
      </DataTable>
    </List>
  );
}
