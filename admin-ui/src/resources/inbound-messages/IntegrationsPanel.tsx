import { Alert, Box, Button, Card, CardContent, Checkbox, FormControlLabel, FormGroup, Stack, TextField, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useCanAccess, useNotify } from 'react-admin';

import { CopyButton } from '../../components/CopyButton';
import { httpClient } from '../../providers/httpClient';

interface Endpoints {
  events: string;
  fhir: string;
  hl7Http: string;
  hl7Mllp: string | null;
  retentionDays: number;
  scope: string;
  counts: Partial<Record<string, number>>;
}

interface Mapping {
  mrnSystem: string | null;
  eventTypes: string[];
  fields: string[];
  consentTopic: string | null;
  fhirServerUrl: string | null;
  version: number;
  options: { eventTypes: string[]; fields: string[] };
}

function Endpoint({ label, url }: { label: string; url: string | null }) {
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
      <Typography variant="body2" sx={{ width: 160 }}>
        {label}
      </Typography>
      <Box component="code" sx={{ fontSize: '0.8rem' }} data-testid={`endpoint-${label}`}>
        {url ?? 'off (set HL7_MLLP_PORT)'}
      </Box>
      {url && <CopyButton value={url} label={`Copy the ${label} URL`} />}
    </Stack>
  );
}

/** The endpoints EHRs and integrations send to, and the EHR mapping (who may manage integrations can edit it). */
export function IntegrationsPanel() {
  const notify = useNotify();
  const { canAccess: canManage } = useCanAccess({ resource: 'inbound-messages', action: 'reprocess' });
  const [endpoints, setEndpoints] = useState<Endpoints>();
  const [mapping, setMapping] = useState<Mapping>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    void httpClient<Endpoints>('/integrations/endpoints', { signal: controller.signal }).then(
      ({ body }) => setEndpoints(body),
      () => undefined,
    );
    void httpClient<Mapping>('/integrations/mapping', { signal: controller.signal }).then(
      ({ body }) => setMapping(body),
      () => undefined,
    );
    return () => controller.abort();
  }, []);

  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  const save = async () => {
    if (!mapping) return;
    setSaving(true);
    try {
      const { body } = await httpClient<Mapping>('/integrations/mapping', {
        method: 'PUT',
        body: {
          mrnSystem: mapping.mrnSystem?.trim() || null,
          eventTypes: mapping.eventTypes,
          fields: mapping.fields,
          consentTopic: mapping.consentTopic?.trim() || null,
          fhirServerUrl: mapping.fhirServerUrl?.trim() || null,
        },
      });
      setMapping({ ...mapping, ...body });
      notify('EHR mapping saved: reprocess dead letters to apply it', { type: 'success' });
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The mapping could not be saved.', { type: 'error' });
    } finally {
      setSaving(false);
    }
  };

  return (
    <Stack spacing={2} sx={{ mb: 2 }} data-testid="integrations-panel">
      <Card variant="outlined">
        <CardContent>
          <Typography variant="h6" gutterBottom>
            Endpoints
          </Typography>
          {endpoints ? (
            <Stack spacing={0.5}>
              <Endpoint label="Events API" url={endpoints.events} />
              <Endpoint label="FHIR R4" url={endpoints.fhir} />
              <Endpoint label="HL7 v2 over HTTP" url={endpoints.hl7Http} />
              <Endpoint label="HL7 v2 over MLLP" url={endpoints.hl7Mllp} />
              <Typography variant="body2" color="text.secondary" sx={{ pt: 1 }}>
                Authenticate with an API key holding the <code>{endpoints.scope}</code> scope. Raw payloads are kept encrypted for {endpoints.retentionDays}{' '}
                days. Processed {endpoints.counts.processed ?? 0}, dead letters {endpoints.counts.dead_letter ?? 0}, rejected {endpoints.counts.rejected ?? 0}.
              </Typography>
            </Stack>
          ) : (
            <Typography variant="body2">Loading…</Typography>
          )}
        </CardContent>
      </Card>
      {mapping && (
        <Card variant="outlined">
          <CardContent>
            <Typography variant="h6" gutterBottom>
              EHR mapping (version {mapping.version})
            </Typography>
            <Stack spacing={2}>
              <TextField
                label="MRN identifier system"
                helperText="FHIR Identifier.system or HL7 PID-3 assigning authority. Empty: identifiers typed MR."
                value={mapping.mrnSystem ?? ''}
                onChange={(e) => setMapping({ ...mapping, mrnSystem: e.target.value })}
                disabled={!canManage}
                size="small"
                slotProps={{ htmlInput: { 'data-testid': 'mapping-mrn-system' } }}
              />
              <Box>
                <Typography variant="subtitle2">Event types produced</Typography>
                <FormGroup row>
                  {mapping.options.eventTypes.map((t) => (
                    <FormControlLabel
                      key={t}
                      label={t}
                      control={
                        <Checkbox
                          size="small"
                          checked={mapping.eventTypes.includes(t)}
                          disabled={!canManage}
                          onChange={() => setMapping({ ...mapping, eventTypes: toggle(mapping.eventTypes, t) })}
                        />
                      }
                    />
                  ))}
                </FormGroup>
              </Box>
              <Box>
                <Typography variant="subtitle2">Contact attributes set</Typography>
                <FormGroup row>
                  {mapping.options.fields.map((f) => (
                    <FormControlLabel
                      key={f}
                      label={f}
                      control={
                        <Checkbox
                          size="small"
                          checked={mapping.fields.includes(f)}
                          disabled={!canManage}
                          onChange={() => setMapping({ ...mapping, fields: toggle(mapping.fields, f) })}
                        />
                      }
                    />
                  ))}
                </FormGroup>
              </Box>
              <TextField
                label="Consent topic"
                helperText="Topic key consent is recorded for when the EHR creates a contact (only for feeds of patients who consented at intake). Empty: none."
                value={mapping.consentTopic ?? ''}
                onChange={(e) => setMapping({ ...mapping, consentTopic: e.target.value })}
                disabled={!canManage}
                size="small"
              />
              <TextField
                label="FHIR server URL"
                helperText="Where id-only subscription notifications are fetched from (https://, or http:// on loopback)."
                value={mapping.fhirServerUrl ?? ''}
                onChange={(e) => setMapping({ ...mapping, fhirServerUrl: e.target.value })}
                disabled={!canManage}
                size="small"
              />
              {canManage ? (
                <Box>
                  <Button variant="contained" onClick={() => void save()} disabled={saving} data-testid="save-mapping">
                    Save mapping
                  </Button>
                </Box>
              ) : (
                <Alert severity="info">Changing the mapping needs the integrations:manage permission.</Alert>
              )}
            </Stack>
          </CardContent>
        </Card>
      )}
    </Stack>
  );
}
