import Download from '@mui/icons-material/Download';
import { Alert, Box, Button, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TablePagination, TableRow, Typography } from '@mui/material';
import { useState } from 'react';
import { useGetList } from 'react-admin';

import { countOf } from '../../components/format';
import { importErrorReportUrl, type ImportErrorRecord } from '../../providers/dataProvider';

const PER_PAGE = 25;

/**
 * The rows the import refused: row number, column and reason, never a value from the file. The
 * whole list downloads as CSV (a plain link: same-origin cookie, no CSRF header for a GET).
 */
export function ImportErrors({ importId, total }: { importId: string; total: number }) {
  const [page, setPage] = useState(0);
  const {
    data,
    total: listed,
    isPending,
    error,
  } = useGetList<ImportErrorRecord>('import-errors', {
    filter: { importId },
    pagination: { page: page + 1, perPage: PER_PAGE },
    sort: { field: 'row', order: 'ASC' },
  });

  if (total === 0 && listed === 0) {
    return (
      <Typography variant="body2" color="text.secondary" data-testid="import-errors-none">
        No row was refused.
      </Typography>
    );
  }

  return (
    <Box>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 1 }}>
        <Typography variant="subtitle1" component="h3" sx={{ flex: 1 }}>
          Rows with errors
        </Typography>
        <Button
          size="small"
          variant="outlined"
          startIcon={<Download />}
          href={importErrorReportUrl(importId)}
          download={`import-${importId}-errors.csv`}
          data-testid="download-error-report"
        >
          Download error report
        </Button>
      </Stack>
      {error && <Alert severity="error">{error instanceof Error ? error.message : 'The errors could not be loaded.'}</Alert>}
      <TableContainer sx={{ overflowX: 'auto' }}>
        <Table size="small" aria-label="Rows with errors" data-testid="import-errors">
          <TableHead>
            <TableRow>
              <TableCell sx={{ width: 100 }}>Row</TableCell>
              <TableCell sx={{ width: 200 }}>Column</TableCell>
              <TableCell>Problem</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {isPending && (
              <TableRow>
                <TableCell colSpan={3}>Loading…</TableCell>
              </TableRow>
            )}
            {data?.map((row) => (
              <TableRow key={row.id} data-testid="import-error-row" data-row={row.row}>
                <TableCell>{row.row}</TableCell>
                <TableCell>{row.column === '*' ? <em>whole row</em> : row.column}</TableCell>
                <TableCell>{row.reason}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {(listed ?? 0) > PER_PAGE && (
        <TablePagination
          component="div"
          count={listed ?? 0}
          page={page}
          onPageChange={(_event, next) => setPage(next)}
          rowsPerPage={PER_PAGE}
          rowsPerPageOptions={[PER_PAGE]}
        />
      )}
      <Typography variant="caption" color="text.secondary">
        Rows are numbered as in a spreadsheet: the header is row 1. {countOf(total, 'row was', 'rows were')} left out; fix them in the file and import it again:
        contacts already imported are matched by e-mail address, never duplicated.
      </Typography>
    </Box>
  );
}
