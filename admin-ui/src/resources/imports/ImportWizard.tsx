import ArrowBack from '@mui/icons-material/ArrowBack';
import ArrowForward from '@mui/icons-material/ArrowForward';
import { Alert, Box, Button, Card, CardContent, CircularProgress, Stack, Step, StepLabel, Stepper } from '@mui/material';
import { useEffect, useState, type ReactNode } from 'react';
import { Loading, Title, useCreatePath, useDataProvider, useGetList, useGetOne, useNotify } from 'react-admin';
import { Navigate, useNavigate, useParams } from 'react-router-dom';

import type { AttributeRecord, ColumnMapping, HipaaDataProvider, ImportPreview, ImportRecord, TopicRecord } from '../../providers/dataProvider';
import { fieldProblems } from '../../providers/httpClient';
import { attestationFor, ConsentStep, consentReady, type ConsentForm } from './ConsentStep';
import { checkMapping, mappingErrorKey } from './importMapping';
import { isActive, isConfigurable } from './importStatus';
import { MappingStep, type PreviewState } from './MappingStep';
import { RunStep } from './RunStep';
import { UploadStep } from './UploadStep';

const STEPS = ['Upload', 'Map columns', 'Consent', 'Validate and import'] as const;
const UPLOAD = 0;
const MAPPING = 1;
const CONSENT = 2;
const RUN = 3;

/** While a run is queued or going, its progress is polled at this pace. */
const POLL_MS = 1_000;

/** The import, followed live while it runs. */
function useImport(id: string | undefined) {
  return useGetOne<ImportRecord>(
    'imports',
    { id },
    {
      enabled: id !== undefined,
      refetchInterval: (query) => (isActive(query.state.data?.status) ? POLL_MS : false),
    },
  );
}

const isImport = (data: Partial<ImportRecord> | undefined): data is ImportRecord => typeof data?.id === 'string' && typeof data.status === 'string';

/**
 * The first rows of the file, read once per import when the mapping step first opens (each read
 * is audited), kept in this state only.
 */
function usePreview(importId: string | undefined): PreviewState {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const [result, setResult] = useState<{ id: string; state: PreviewState } | undefined>();
  const loadedId = result?.id;
  useEffect(() => {
    if (importId === undefined || loadedId === importId) return;
    const controller = new AbortController();
    dataProvider.previewImport(importId, { signal: controller.signal }).then(
      ({ data }) => {
        if (controller.signal.aborted) return;
        const state: PreviewState = Array.isArray(data.rows)
          ? { kind: 'loaded', preview: data as ImportPreview }
          : { kind: 'error', message: 'you are not allowed to see it' };
        setResult({ id: importId, state });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setResult({ id: importId, state: { kind: 'error', message: error instanceof Error ? error.message : 'unknown error' } });
      },
    );
    return () => controller.abort();
  }, [dataProvider, importId, loadedId]);
  if (importId !== undefined && loadedId !== importId) return { kind: 'loading' };
  return result?.state ?? { kind: 'loading' };
}

function initialConsent(job: ImportRecord): ConsentForm {
  if (job.consent) {
    // An attestation is confirmed anew each time it is sent.
    return {
      topic: job.consent.topic,
      basis: job.consent.basis,
      attestation: job.consent.attestation,
      edited: true,
      confirmed: false,
      onExisting: job.onExisting,
    };
  }
  return {
    topic: '',
    basis: 'prior_express_consent',
    attestation: attestationFor(undefined, 'prior_express_consent'),
    edited: false,
    confirmed: false,
    onExisting: 'update',
  };
}

/** Server field problems as the steps show them: mapping ones by column, the others by field. */
function splitProblems(headers: readonly string[], problems: ReadonlyArray<{ field: string; message: string }>) {
  const mapping: Record<string, string> = {};
  const consent: Record<string, string> = {};
  for (const { field, message } of problems) {
    const text = message.charAt(0).toUpperCase() + message.slice(1);
    if (field === 'mapping') mapping.mapping = text;
    else if (field.startsWith('mapping.')) {
      const column = headers.find((h) => mappingErrorKey(h) === field);
      if (column !== undefined) mapping[column] = text;
      else mapping.mapping = `${field.slice('mapping.'.length)}: ${text}`;
    } else consent[field] = text;
  }
  return { mapping, consent };
}

interface WizardProps {
  /** An uploaded import to carry on with (the wizard reopened on `/imports/:id`). */
  initial: ImportRecord;
}

/** Steps 2 to 4 on an uploaded import: mapping, consent, then the runs. */
function ImportSetup({ initial }: WizardProps) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const { data: loaded, refetch } = useImport(initial.id);
  const job = isImport(loaded) ? loaded : initial;
  const { data: attributes } = useGetList<AttributeRecord>('attributes', { pagination: { page: 1, perPage: 500 } });
  const { data: topics } = useGetList<TopicRecord>('topics', { pagination: { page: 1, perPage: 500 } });

  const [step, setStep] = useState(initial.consent ? RUN : MAPPING);
  const [mapping, setMapping] = useState<Partial<Record<string, ColumnMapping>>>(initial.mapping ?? {});
  const [mappingProblems, setMappingProblems] = useState<Record<string, string>>({});
  const [consent, setConsent] = useState<ConsentForm>(() => initialConsent(initial));
  const [consentProblems, setConsentProblems] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const preview = usePreview(step === MAPPING ? job.id : undefined);
  const locked = !isConfigurable(job.status);

  const toConsent = () => {
    const problems = checkMapping(job.headers, mapping);
    setMappingProblems(problems);
    if (Object.keys(problems).length === 0) setStep(CONSENT);
  };

  const saveConfiguration = async () => {
    setSaving(true);
    setGeneral(undefined);
    setConsentProblems({});
    try {
      await dataProvider.configureImport(job.id, {
        // Every column, so that one left out of the suggestion is ignored rather than unknown.
        mapping: Object.fromEntries(job.headers.map((column) => [column, mapping[column] ?? { field: 'ignore' }])),
        onExisting: consent.onExisting,
        consent: { topic: consent.topic, basis: consent.basis, attestation: consent.attestation.trim() },
      });
      await refetch();
      // The attestation was sent as confirmed; sending it again asks for the box again.
      setConsent((previous) => ({ ...previous, confirmed: false }));
      setStep(RUN);
    } catch (error) {
      const split = splitProblems(job.headers, fieldProblems(error));
      if (Object.keys(split.mapping).length > 0) {
        setMappingProblems(split.mapping);
        setStep(MAPPING);
        notify('Check the column mapping: the server refused part of it', { type: 'error' });
      }
      setConsentProblems(split.consent);
      if (Object.keys(split.mapping).length === 0 && Object.keys(split.consent).length === 0) {
        setGeneral(error instanceof Error ? error.message : 'The configuration could not be saved.');
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <WizardStepper step={step} />
      {general && (
        <Alert severity="error" sx={{ mb: 2 }}>
          {general}
        </Alert>
      )}
      {locked && step !== RUN && (
        <Alert severity="info" sx={{ mb: 2 }}>
          This import is {job.status}: its settings can no longer change.
        </Alert>
      )}
      {step === MAPPING && (
        <MappingStep
          job={job}
          mapping={mapping}
          onChange={(next) => {
            setMapping(next);
            setMappingProblems({});
          }}
          problems={mappingProblems}
          attributes={attributes ?? []}
          preview={preview}
        />
      )}
      {step === CONSENT && (
        <ConsentStep
          form={consent}
          onChange={(next) => {
            setConsent(next);
            setConsentProblems({});
          }}
          topics={topics ?? []}
          problems={consentProblems}
        />
      )}
      {step === RUN && <RunStep job={job} onChanged={() => void refetch()} />}
      <Stack direction="row" spacing={1} sx={{ mt: 3, justifyContent: 'space-between' }}>
        <Box>
          {step > MAPPING && !isActive(job.status) && job.status !== 'completed' && job.status !== 'cancelled' && (
            <Button startIcon={<ArrowBack />} onClick={() => setStep(step - 1)} disabled={saving}>
              Back
            </Button>
          )}
        </Box>
        {step === MAPPING && (
          <Button variant="contained" endIcon={<ArrowForward />} onClick={toConsent} disabled={locked} data-testid="mapping-next">
            Continue
          </Button>
        )}
        {step === CONSENT && (
          <Button
            variant="contained"
            endIcon={saving ? <CircularProgress size={16} color="inherit" /> : <ArrowForward />}
            onClick={() => void saveConfiguration()}
            disabled={locked || saving || !consentReady(consent)}
            data-testid="consent-next"
          >
            Save and continue
          </Button>
        )}
      </Stack>
    </>
  );
}

function WizardStepper({ step }: { step: number }) {
  return (
    <Stepper activeStep={step} alternativeLabel sx={{ mb: 4 }} data-testid="import-stepper" data-step={step}>
      {STEPS.map((label) => (
        <Step key={label}>
          <StepLabel>{label}</StepLabel>
        </Step>
      ))}
    </Stepper>
  );
}

function WizardFrame({ children }: { children: ReactNode }) {
  return (
    <Card sx={{ mt: 2, mb: 4 }} data-testid="import-wizard">
      <Title title="Import contacts" />
      <CardContent>{children}</CardContent>
    </Card>
  );
}

/** Step 1 on `/imports/create`; once uploaded, the wizard goes on at `/imports/:id`, so a reload resumes it. */
export function ImportCreate() {
  const navigate = useNavigate();
  const createPath = useCreatePath();
  return (
    <WizardFrame>
      <WizardStepper step={UPLOAD} />
      <UploadStep onUploaded={(job) => void navigate(createPath({ resource: 'imports', type: 'edit', id: job.id }), { replace: true })} />
    </WizardFrame>
  );
}

function ImportEditLoaded({ job }: { job: ImportRecord }) {
  const createPath = useCreatePath();
  // Decided on the first answer only: starting the import from the wizard must not leave it.
  const [first] = useState(job);
  if (!isConfigurable(first.status)) return <Navigate to={createPath({ resource: 'imports', type: 'show', id: first.id })} replace />;
  return (
    <WizardFrame>
      <ImportSetup initial={first} />
    </WizardFrame>
  );
}

/** The wizard on an uploaded import. One that already ran (or runs) opens on its progress page instead. */
export function ImportEdit() {
  const { id } = useParams<{ id: string }>();
  const { data, isPending, error } = useGetOne<ImportRecord>('imports', { id });
  if (isPending) return <Loading />;
  if (!isImport(data)) {
    return (
      <WizardFrame>
        <Alert severity="error">{error instanceof Error ? error.message : 'The import could not be loaded.'}</Alert>
      </WizardFrame>
    );
  }
  return <ImportEditLoaded job={data} />;
}
