import { Checkbox, FormControlLabel, MenuItem, Stack, TextField } from '@mui/material';
import { type RaRecord, useCanAccess, useGetList } from 'react-admin';

import type { ApiKeyRecord, UserRecord } from '../../providers/dataProvider';
import type { CampaignRecord } from '../../providers/campaignsApi';
import type { ParamValues, ReportDefinition, ReportParam } from './reportsApi';

/** The list each picker chooses from, and how an entry reads. */
const PICKERS = {
  user: { resource: 'users', text: (r: RaRecord) => `${(r as UserRecord).displayName} (${(r as UserRecord).email})` },
  apiKey: { resource: 'api-keys', text: (r: RaRecord) => `${(r as ApiKeyRecord).name} (${(r as ApiKeyRecord).prefix}…)` },
  campaign: { resource: 'campaigns', text: (r: RaRecord) => (r as CampaignRecord).name },
} as const;

type PickerKind = keyof typeof PICKERS;

interface InputProps {
  id: string;
  param: ReportParam;
  value: string;
  onChange: (value: string) => void;
}

/** Users, API keys or campaigns to pick from (the first hundred); when the list cannot be read, the id is typed instead. */
function RecordPicker({ id, param, value, onChange, kind }: InputProps & { kind: PickerKind }) {
  const picker = PICKERS[kind];
  const { data, error, isPending } = useGetList<RaRecord>(picker.resource, { pagination: { page: 1, perPage: 100 } });
  if (error)
    return <TextField id={id} label={`${param.label} id`} size="small" value={value} onChange={(e) => onChange(e.target.value)} sx={{ minWidth: 260 }} />;
  return (
    <TextField
      id={id}
      select
      label={param.label}
      size="small"
      value={isPending ? '' : value}
      onChange={(e) => onChange(e.target.value)}
      required={param.required}
      sx={{ minWidth: 260 }}
      slotProps={{ select: { MenuProps: { slotProps: { paper: { 'data-testid': `${id}-options` } as object } } } }}
    >
      <MenuItem value="">
        <em>{param.required ? 'Choose…' : 'Any'}</em>
      </MenuItem>
      {(data ?? []).map((record) => (
        <MenuItem key={String(record.id)} value={String(record.id)}>
          {picker.text(record)}
        </MenuItem>
      ))}
    </TextField>
  );
}

/** Printing PHI in a report needs the same right as revealing it on a contact's page; without it the choice is not offered. */
function PhiFlag({ id, param, value, onChange }: InputProps) {
  const { canAccess } = useCanAccess({ resource: 'contacts', action: 'reveal' });
  if (!canAccess) return null;
  return (
    <FormControlLabel
      control={<Checkbox id={id} checked={value === 'true'} onChange={(e) => onChange(e.target.checked ? 'true' : '')} />}
      label={param.label}
    />
  );
}

function ParamInput({ id, param, value, onChange }: InputProps) {
  switch (param.kind) {
    case 'phi':
      return <PhiFlag id={id} param={param} value={value} onChange={onChange} />;
    case 'user':
    case 'apiKey':
    case 'campaign':
      return <RecordPicker id={id} param={param} value={value} onChange={onChange} kind={param.kind} />;
    case 'date':
    case 'datetime':
      return (
        <TextField
          id={id}
          type={param.kind === 'date' ? 'date' : 'datetime-local'}
          label={param.label}
          size="small"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          required={param.required}
          slotProps={{ inputLabel: { shrink: true } }}
        />
      );
    case 'number':
      return (
        <TextField
          id={id}
          type="number"
          label={param.label}
          size="small"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          required={param.required}
          slotProps={{ htmlInput: { min: 1 } }}
          sx={{ width: 180 }}
        />
      );
    case 'contact':
    case 'ip':
      return (
        <TextField
          id={id}
          label={param.label}
          size="small"
          value={value}
          onChange={(e) => onChange(e.target.value.trim())}
          required={param.required}
          helperText={param.helperText}
          slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off' } }}
        />
      );
  }
}

/** One input per parameter of a report, side by side. */
export function ReportParameterInputs({ def, values, onChange }: { def: ReportDefinition; values: ParamValues; onChange: (values: ParamValues) => void }) {
  if (def.params.length === 0) return null;
  return (
    <Stack direction="row" spacing={2} useFlexGap sx={{ flexWrap: 'wrap', alignItems: 'flex-start' }}>
      {def.params.map((param) => (
        <ParamInput
          key={param.name}
          id={`report-${def.id}-${param.name}`}
          param={param}
          value={values[param.name] ?? ''}
          onChange={(value) => onChange({ ...values, [param.name]: value })}
        />
      ))}
    </Stack>
  );
}
