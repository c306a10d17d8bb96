import Download from '@mui/icons-material/Download';
import { Button } from '@mui/material';
import { useCanAccess, useListContext } from 'react-admin';

import { auditExportUrl, type AuditEventRecord, type AuditFilter } from '../../providers/dataProvider';

/**
 * Downloads the audit log as CSV with the filters on screen. A plain link: the browser sends the
 * session cookie (same origin) and saves the file as it streams; the export is itself audited.
 */
export function AuditExportButton() {
  const { filterValues, total } = useListContext<AuditEventRecord>() as { filterValues: AuditFilter; total?: number };
  const { canAccess } = useCanAccess({ resource: 'audit-events', action: 'export' });
  if (!canAccess) return null;
  return (
    <Button size="small" startIcon={<Download />} href={auditExportUrl(filterValues)} download disabled={total === 0} data-testid="audit-export">
      Export CSV
    </Button>
  );
}
