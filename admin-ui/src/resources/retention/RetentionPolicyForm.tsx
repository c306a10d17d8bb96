import Save from '@mui/icons-material/Save';
import { Alert, Button, FormControlLabel, MenuItem, Stack, Switch, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import { useNotify } from 'react-admin';

import { formatDateTime } from '../../components/format';
import { fieldProblems } from '../../providers/httpClient';
import { type ContactAction, type LimitedSetting, type RetentionPolicy, type RetentionSettings, savePolicy } from './retentionApi';

type Nullable = Exclude<LimitedSetting, 'auditDays'>;

/** The form holds text as typed; a category that is off keeps its last number for when it is turned on again. */
interface FormState {
  enabled: Record<Nullable, boolean>;
  values: Record<LimitedSetting, string>;
  contactAction: ContactAction;
  scheduleEnabled: boolean;
}

const CATEGORIES: readonly { field: Nullable; label: string; unit: string; help: string; fallback: number }[] = [
  {
    field: 'contactInactiveMonths',
    label: 'Dispose of inactive contacts',
    unit: 'months without activity',
    help: 'No message, open, click, consent change, EHR event, journey or edit in that time.',
    fallback: 36,
  },
  {
    field: 'messageDetailDays',
    label: 'Purge message detail',
    unit: 'days after sending',
    help: 'Encrypted recipient and render context, SMTP text, connection evidence, test sends, webhook payloads. Delivery counts and the TLS summary stay.',
    fallback: 365,
  },
  {
    field: 'engagementDays',
    label: 'Delete engagement events',
    unit: 'days after the event',
    help: 'Opens, clicks, deliveries and bounces; older campaign reports keep their delivery counts only.',
    fallback: 730,
  },
  {
    field: 'inboundPayloadDays',
    label: 'Purge raw inbound EHR payloads',
    unit: 'days after receipt',
    help: 'FHIR and HL7 v2 messages as received; their record and outcome stay.',
    fallback: 30,
  },
];

function stateOf(policy: RetentionSettings): FormState {
  const enabled = {} as Record<Nullable, boolean>;
  const values = { auditDays: String(policy.auditDays) } as Record<LimitedSetting, string>;
  for (const { field, fallback } of CATEGORIES) {
    enabled[field] = policy[field] !== null;
    values[field] = String(policy[field] ?? fallback);
  }
  return { enabled, values, contactAction: policy.contactAction, scheduleEnabled: policy.scheduleEnabled };
}

/** A whole number within the setting's bounds, or why not. */
function problemOf(limits: RetentionPolicy['limits'], field: LimitedSetting, text: string): string | undefined {
  const { min, max } = limits[field];
  if (!/^\d+$/.test(text.trim())) return 'Enter a whole number';
  const n = Number(text);
  if (field === 'auditDays' && n < min) return `At least ${String(min)} days (six years): the audit trail is never kept shorter`;
  if (n < min || n > max) return `From ${String(min)} to ${String(max)}`;
  return undefined;
}

function settingsOf(state: FormState): RetentionSettings {
  const value = (field: Nullable) => (state.enabled[field] ? Number(state.values[field]) : null);
  return {
    contactInactiveMonths: value('contactInactiveMonths'),
    contactAction: state.contactAction,
    messageDetailDays: value('messageDetailDays'),
    engagementDays: value('engagementDays'),
    inboundPayloadDays: value('inboundPayloadDays'),
    auditDays: Number(state.values.auditDays),
    scheduleEnabled: state.scheduleEnabled,
  };
}

/** The policy: each category on or off with its period, the contact action, the audit floor and the daily run. */
export function RetentionPolicyForm({
  policy,
  onSaved,
  onDirty,
}: {
  policy: RetentionPolicy;
  onSaved: (p: RetentionPolicy) => void;
  onDirty: (dirty: boolean) => void;
}) {
  const notify = useNotify();
  const [state, setState] = useState<FormState>(() => stateOf(policy));
  const [serverErrors, setServerErrors] = useState<Partial<Record<string, string>>>({});
  const [saving, setSaving] = useState(false);

  const update = (change: (s: FormState) => FormState) => {
    setState((s) => change(s));
    setServerErrors({});
    onDirty(true);
  };
  const problems: Partial<Record<LimitedSetting, string>> = {};
  for (const field of Object.keys(policy.limits) as LimitedSetting[]) {
    if (field === 'auditDays' || state.enabled[field]) problems[field] = problemOf(policy.limits, field, state.values[field]);
  }
  const invalid = Object.values(problems).some(Boolean);

  const save = async () => {
    setSaving(true);
    try {
      const saved = await savePolicy(settingsOf(state));
      setState(stateOf(saved));
      onSaved(saved);
      onDirty(false);
      notify('Retention policy saved', { type: 'success' });
    } catch (error) {
      const fields = fieldProblems(error);
      setServerErrors(Object.fromEntries(fields.map((f) => [f.field, f.message])));
      notify(error instanceof Error ? error.message : 'The policy could not be saved.', { type: 'error' });
    } finally {
      setSaving(false);
    }
  };

  const numberField = (field: LimitedSetting, label: string, disabled = false) => (
    <TextField
      label={label}
      size="small"
      value={state.values[field]}
      disabled={disabled}
      onChange={(e) => {
        const text = e.target.value;
        update((s) => ({ ...s, values: { ...s.values, [field]: text } }));
      }}
      error={!disabled && Boolean(problems[field] ?? serverErrors[field])}
      helperText={disabled ? ' ' : (problems[field] ?? serverErrors[field] ?? ' ')}
      slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': `policy-${field}` } }}
      sx={{ width: 260 }}
    />
  );

  return (
    <Stack spacing={2} data-testid="retention-policy">
      {CATEGORIES.map(({ field, label, unit, help }) => (
        <Stack key={field} direction={{ xs: 'column', md: 'row' }} spacing={2} sx={{ alignItems: { md: 'flex-start' } }}>
          <FormControlLabel
            sx={{ width: 300, mt: 0.5 }}
            control={
              <Switch
                checked={state.enabled[field]}
                onChange={(e) => {
                  const on = e.target.checked;
                  update((s) => ({ ...s, enabled: { ...s.enabled, [field]: on } }));
                }}
                slotProps={{ input: { 'aria-label': label, ...({ 'data-testid': `policy-${field}-enabled` } as object) } }}
              />
            }
            label={label}
          />
          {numberField(field, unit, !state.enabled[field])}
          <Typography variant="body2" color="text.secondary" sx={{ flex: 1, mt: 1 }}>
            {help}
          </Typography>
        </Stack>
      ))}
      <TextField
        select
        size="small"
        label="Inactive contacts are"
        value={state.contactAction}
        disabled={!state.enabled.contactInactiveMonths}
        onChange={(e) => {
          const action = e.target.value as ContactAction;
          update((s) => ({ ...s, contactAction: action }));
        }}
        helperText="Both erase the contact's PHI and keep its consent history and the audit trail. Delete also unlinks its activity from the statistics."
        slotProps={{ htmlInput: { 'data-testid': 'policy-contactAction' } }}
        sx={{ maxWidth: 620 }}
      >
        <MenuItem value="anonymize">Anonymized (PHI erased; anonymous activity kept)</MenuItem>
        <MenuItem value="delete">Deleted (PHI erased; activity unlinked, EHR events removed)</MenuItem>
      </TextField>
      <Stack direction={{ xs: 'column', md: 'row' }} spacing={2} sx={{ alignItems: { md: 'flex-start' } }}>
        <Typography sx={{ width: 300, mt: 1 }}>Keep the audit trail</Typography>
        {numberField('auditDays', `days (${String(policy.limits.auditDays.min)} at least)`)}
        <Typography variant="body2" color="text.secondary" sx={{ flex: 1, mt: 1 }}>
          HIPAA documentation is kept six years; the period can be raised, never lowered below that.
        </Typography>
      </Stack>
      <FormControlLabel
        control={
          <Switch
            checked={state.scheduleEnabled}
            onChange={(e) => {
              const on = e.target.checked;
              update((s) => ({ ...s, scheduleEnabled: on }));
            }}
          />
        }
        label="Apply the policy every day at 03:00 UTC"
      />
      {serverErrors.contactAction && <Alert severity="error">{serverErrors.contactAction}</Alert>}
      <Stack direction="row" spacing={2} sx={{ alignItems: 'center' }}>
        <Button variant="contained" startIcon={<Save />} disabled={invalid || saving} onClick={() => void save()} data-testid="policy-save">
          Save policy
        </Button>
        <Typography variant="caption" color="text.secondary">
          Last changed {formatDateTime(policy.updatedAt)}
        </Typography>
      </Stack>
    </Stack>
  );
}
