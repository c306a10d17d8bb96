import { Box, Card, CardContent, Chip, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';

import { formatDateTime, formatNumber } from '../../components/format';
import type { ReportCell, ReportDocument } from './reportsApi';

/** Rows shown per section; the downloads hold them all. */
const MAX_ROWS = 500;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function Cell({ value }: { value: ReportCell | undefined }) {
  if (value === null || value === undefined || value === '') return <span aria-label="none">—</span>;
  if (typeof value === 'boolean') return <>{value ? 'Yes' : 'No'}</>;
  if (typeof value === 'number') return <>{formatNumber(value)}</>;
  if (ISO_INSTANT.test(value)) return <span title={value}>{formatDateTime(value, { seconds: true })}</span>;
  return <>{value}</>;
}

const parameterText = (value: string | number | null) =>
  value === null ? '—' : typeof value === 'string' && ISO_INSTANT.test(value) ? (formatDateTime(value) ?? value) : String(value);

export interface ReportViewProps {
  doc: ReportDocument;
  /** Rows to draw attention to (dormant accounts, failures), marked `data-highlighted`. */
  highlight?: (row: Record<string, ReportCell>) => boolean;
}

/** Any report, generically: its title and parameters, the summary as figures, then one table per section. */
export function ReportView({ doc, highlight }: ReportViewProps) {
  const parameters = Object.entries(doc.parameters);
  return (
    <Stack spacing={2} data-testid="report-document" data-report-id={doc.id}>
      <Box>
        <Typography variant="h6" component="h2" data-testid="report-title">
          {doc.title}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          Generated {formatDateTime(doc.generatedAt, { seconds: true })}
        </Typography>
        {parameters.length > 0 && (
          <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap', mt: 1 }} data-testid="report-parameters">
            {parameters.map(([key, value]) => (
              <Chip key={key} size="small" variant="outlined" label={`${key}: ${parameterText(value)}`} />
            ))}
          </Stack>
        )}
      </Box>
      {doc.summary.length > 0 && (
        <Stack direction="row" spacing={2} useFlexGap sx={{ flexWrap: 'wrap' }} data-testid="report-summary">
          {doc.summary.map((item) => (
            <Card
              key={item.label}
              variant="outlined"
              sx={{ flex: '1 1 180px' }}
              data-testid="report-summary-item"
              data-label={item.label}
              data-value={item.value}
            >
              <CardContent sx={{ py: 1.5, '&:last-child': { pb: 1.5 } }}>
                <Typography variant="body2" color="text.secondary">
                  {item.label}
                </Typography>
                <Typography variant="h5" component="p">
                  {typeof item.value === 'number' ? formatNumber(item.value) : item.value}
                </Typography>
              </CardContent>
            </Card>
          ))}
        </Stack>
      )}
      {doc.sections.map((section, index) => {
        const shown = section.rows.slice(0, MAX_ROWS);
        return (
          <Box key={`${String(index)}-${section.title}`} data-testid="report-section" data-title={section.title}>
            <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 500 }}>
              {section.title}
            </Typography>
            {section.rows.length === 0 ? (
              <Typography variant="body2" color="text.secondary">
                None.
              </Typography>
            ) : (
              <TableContainer sx={{ maxHeight: 480 }}>
                <Table size="small" stickyHeader>
                  <TableHead>
                    <TableRow>
                      {section.columns.map((column) => (
                        <TableCell key={column.key}>{column.label}</TableCell>
                      ))}
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {shown.map((row, rowIndex) => {
                      const marked = highlight?.(row) ?? false;
                      return (
                        <TableRow
                          key={rowIndex}
                          data-testid="report-row"
                          data-highlighted={marked || undefined}
                          sx={marked ? { bgcolor: 'warning.light', '& td': { fontWeight: 500 } } : undefined}
                        >
                          {section.columns.map((column) => (
                            <TableCell key={column.key} align={typeof row[column.key] === 'number' ? 'right' : 'left'}>
                              <Cell value={row[column.key]} />
                            </TableCell>
                          ))}
                        </TableRow>
                      );
                    })}
                  </TableBody>
                </Table>
              </TableContainer>
            )}
            {section.rows.length > shown.length && (
              <Typography variant="caption" color="text.secondary">
                Showing {formatNumber(shown.length)} of {formatNumber(section.rows.length)} rows; the CSV and PDF downloads hold them all.
              </Typography>
            )}
          </Box>
        );
      })}
    </Stack>
  );
}
