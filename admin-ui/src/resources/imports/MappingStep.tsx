import LockOutlined from '@mui/icons-material/LockOutlined';
import { Alert, Box, MenuItem, Skeleton, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography } from '@mui/material';

import type { AttributeRecord, CodeSystem, ColumnMapping, IdentifierKind, ImportPreview, ImportRecord } from '../../providers/dataProvider';
import { CODE_SYSTEM_CHOICES, IDENTIFIER_KIND_CHOICES } from '../contacts/contactFields';
import { MAPPING_FIELDS, mappingFor, type MappingField } from './importMapping';
import { describeFormat, formatBytes } from './importFormat';

/** How many of the first rows are shown beside the mapping. */
const SAMPLE_ROWS = 3;

/** What the importer accepts for a field, where it is not obvious. */
const HINTS: Readonly<Partial<Record<MappingField, string>>> = {
  birthDate: 'YYYY-MM-DD or MM/DD/YYYY',
  lastVisitDate: 'YYYY-MM-DD or MM/DD/YYYY',
  nextVisitDate: 'YYYY-MM-DD or MM/DD/YYYY',
  sex: 'F, M, female, male, other or unknown',
  phone: 'US numbers, or international with +',
  postalCode: '5-digit ZIP, ZIP+4 accepted',
  state: '2-letter code',
  timeZone: 'e.g. America/New_York',
  language: 'e.g. en or es-US',
  insuranceStatus: 'commercial, medicare, medicaid, tricare, uninsured or other',
  visitCount12m: 'A whole number',
  ignore: 'Left out of the import',
};

export type PreviewState = { kind: 'loading' } | { kind: 'loaded'; preview: ImportPreview } | { kind: 'error'; message: string };

interface MappingStepProps {
  job: ImportRecord;
  mapping: Readonly<Partial<Record<string, ColumnMapping>>>;
  onChange: (mapping: Partial<Record<string, ColumnMapping>>) => void;
  /** Problems by column, and `mapping` for the whole (from the check before sending, or the server). */
  problems: Readonly<Partial<Record<string, string>>>;
  attributes: readonly AttributeRecord[];
  preview: PreviewState;
}

function Settings({ mapping, attributes, onChange }: { mapping: ColumnMapping; attributes: readonly AttributeRecord[]; onChange: (m: ColumnMapping) => void }) {
  if (mapping.field === 'identifier') {
    return (
      <Stack direction="row" spacing={1}>
        <TextField
          select
          size="small"
          label="Kind"
          value={mapping.kind}
          onChange={(event) => onChange({ ...mapping, kind: event.target.value as IdentifierKind })}
          sx={{ minWidth: 150 }}
        >
          {IDENTIFIER_KIND_CHOICES.map((choice) => (
            <MenuItem key={choice.id} value={choice.id}>
              {choice.name}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          size="small"
          label="System"
          placeholder="EHR name or OID"
          value={mapping.system}
          onChange={(event) => onChange({ ...mapping, system: event.target.value })}
          slotProps={{ htmlInput: { maxLength: 200 } }}
          sx={{ minWidth: 180 }}
        />
      </Stack>
    );
  }
  if (mapping.field === 'condition') {
    return (
      <Stack spacing={0.5}>
        <TextField
          select
          size="small"
          label="Code system"
          value={mapping.system}
          onChange={(event) => onChange({ ...mapping, system: event.target.value as CodeSystem })}
          sx={{ minWidth: 150 }}
        >
          {CODE_SYSTEM_CHOICES.map((choice) => (
            <MenuItem key={choice.id} value={choice.id}>
              {choice.name}
            </MenuItem>
          ))}
        </TextField>
        <Typography variant="caption" color="text.secondary">
          Several codes in a cell: separate them with ; or |
        </Typography>
      </Stack>
    );
  }
  if (mapping.field === 'attribute') {
    const active = attributes.filter((attribute) => !attribute.archived);
    if (active.length === 0) {
      return (
        <Typography variant="caption" color="error">
          No custom attribute is defined yet
        </Typography>
      );
    }
    return (
      <TextField
        select
        size="small"
        label="Attribute"
        value={mapping.key}
        onChange={(event) => onChange({ ...mapping, key: event.target.value })}
        sx={{ minWidth: 200 }}
      >
        {active.map((attribute) => (
          <MenuItem key={attribute.key} value={attribute.key}>
            {attribute.label} ({attribute.key}){attribute.isPhi ? ' · PHI' : ''}
          </MenuItem>
        ))}
      </TextField>
    );
  }
  const hint = HINTS[mapping.field];
  return hint ? (
    <Typography variant="caption" color="text.secondary">
      {hint}
    </Typography>
  ) : null;
}

function Samples({ preview, index }: { preview: PreviewState; index: number }) {
  if (preview.kind === 'loading') return <Skeleton width={120} />;
  if (preview.kind === 'error') return null;
  const values = preview.preview.rows.slice(0, SAMPLE_ROWS).map((row) => row[index] ?? '');
  return (
    <Stack spacing={0.25}>
      {values.map((value, i) => (
        <Typography
          key={i}
          variant="caption"
          title={value}
          sx={{ fontFamily: 'monospace', maxWidth: 220, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', display: 'block' }}
        >
          {value || '—'}
        </Typography>
      ))}
    </Stack>
  );
}

/**
 * Step 2: where each column goes, prefilled with the server's suggestion, beside the first
 * values of each column (read from the file, PHI: the preview is audited and kept in memory).
 */
export function MappingStep({ job, mapping, onChange, problems, attributes, preview }: MappingStepProps) {
  const set = (column: string, next: ColumnMapping) => onChange({ ...mapping, [column]: next });
  return (
    <Stack spacing={2} data-testid="mapping-step">
      <Typography variant="body2" color="text.secondary" data-testid="detected-format">
        {job.fileName} · {formatBytes(job.bytes)} · {describeFormat(job)}
      </Typography>
      {problems.mapping && (
        <Alert severity="error" data-testid="mapping-problem">
          {problems.mapping}
        </Alert>
      )}
      {preview.kind === 'error' && <Alert severity="warning">The sample rows could not be read: {preview.message}</Alert>}
      <TableContainer sx={{ overflowX: 'auto' }}>
        <Table size="small" aria-label="Column mapping" data-testid="mapping-table">
          <TableHead>
            <TableRow>
              <TableCell>Column in the file</TableCell>
              <TableCell>Import as</TableCell>
              <TableCell>Settings</TableCell>
              <TableCell>First values</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {job.headers.map((column, index) => {
              const current = mapping[column] ?? { field: 'ignore' };
              const problem = problems[column];
              return (
                <TableRow key={column} data-testid="mapping-row" data-column={column} data-field={current.field} sx={{ verticalAlign: 'top' }}>
                  <TableCell sx={{ fontWeight: 500, whiteSpace: 'nowrap' }}>{column || <em>(no name)</em>}</TableCell>
                  <TableCell sx={{ minWidth: 220 }}>
                    <TextField
                      select
                      size="small"
                      label="Import as"
                      value={current.field}
                      onChange={(event) => set(column, mappingFor(event.target.value as MappingField, attributes))}
                      error={Boolean(problem)}
                      helperText={problem}
                      fullWidth
                      slotProps={{ htmlInput: { 'data-testid': 'mapping-select' } }}
                    >
                      {MAPPING_FIELDS.map((field) => (
                        <MenuItem key={field.id} value={field.id}>
                          {field.name}
                        </MenuItem>
                      ))}
                    </TextField>
                  </TableCell>
                  <TableCell>
                    <Settings mapping={current} attributes={attributes} onChange={(next) => set(column, next)} />
                  </TableCell>
                  <TableCell>
                    <Samples preview={preview} index={index} />
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, color: 'text.secondary' }}>
        <LockOutlined sx={{ fontSize: 14 }} />
        <Typography variant="caption">
          First values are read from the file: they are protected health information, held on this page only, and viewing them is recorded in the audit log.
        </Typography>
      </Box>
    </Stack>
  );
}
