import ArrowBack from '@mui/icons-material/ArrowBack';
import ArrowForward from '@mui/icons-material/ArrowForward';
import {
  Alert,
  Autocomplete,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  FormControlLabel,
  Grid,
  MenuItem,
  Radio,
  RadioGroup,
  Stack,
  Step,
  StepLabel,
  Stepper,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { Loading, Title, useCreatePath, useDataProvider, useGetList, useGetOne, useNotify } from 'react-admin';
import { useNavigate, useParams } from 'react-router-dom';

import { formatNumber } from '../../components/format';
import { type AbTest, type CampaignRecord, campaignsApi } from '../../providers/campaignsApi';
import type { HipaaDataProvider, RenderedTemplate, SegmentRecord, SendingDomainRecord, TemplateRecord, TopicRecord } from '../../providers/dataProvider';
import { fieldProblems } from '../../providers/httpClient';
import { PreSendChecksPanel } from './PreSendChecksPanel';

const STEPS = ['Audience', 'Content and sender', 'Schedule', 'Review'] as const;

interface Draft {
  name: string;
  topic: string;
  includeSegmentIds: number[];
  excludeSegmentIds: number[];
  templateId: number | null;
  sender: { fromName: string; fromLocalPart: string; sendingDomain: string; replyTo: string };
  schedule: { kind: 'now' | 'at' | 'local_time'; sendAt: string; date: string; time: string; fallbackTimeZone: string };
  throttlePerHour: string;
  abTest: (Omit<AbTest, 'subjectB' | 'templateVersionIdB'> & { subjectB: string; templateIdB: number | null }) | null;
}

const EMPTY: Draft = {
  name: '',
  topic: '',
  includeSegmentIds: [],
  excludeSegmentIds: [],
  templateId: null,
  sender: { fromName: '', fromLocalPart: '', sendingDomain: '', replyTo: '' },
  schedule: { kind: 'now', sendAt: '', date: '', time: '09:00', fallbackTimeZone: 'America/New_York' },
  throttlePerHour: '',
  abTest: null,
};

/** The published version a campaign sends of a template: its highest. */
const publishedVersionId = (t: TemplateRecord | undefined) => t?.versions.find((v) => v.version === t.publishedVersion)?.id ?? null;
const templateOfVersion = (templates: TemplateRecord[], versionId: number | null) =>
  templates.find((t) => t.versions.some((v) => v.id === versionId))?.id ?? null;

/** `2026-11-23T14:05` in the browser's zone, for a datetime-local input. */
function localInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function draftOf(c: CampaignRecord, templates: TemplateRecord[]): Draft {
  return {
    name: c.name,
    topic: c.topic ?? '',
    includeSegmentIds: c.includeSegmentIds,
    excludeSegmentIds: c.excludeSegmentIds,
    templateId: templateOfVersion(templates, c.templateVersionId),
    sender: {
      fromName: c.sender.fromName,
      fromLocalPart: c.sender.fromLocalPart,
      sendingDomain: c.sender.sendingDomain ?? '',
      replyTo: c.sender.replyTo ?? '',
    },
    schedule: {
      kind: c.schedule.kind,
      sendAt: localInput(c.schedule.sendAt),
      date: c.schedule.date ?? '',
      time: c.schedule.time ?? '09:00',
      fallbackTimeZone: c.schedule.fallbackTimeZone,
    },
    throttlePerHour: c.throttlePerHour ? String(c.throttlePerHour) : '',
    abTest: c.abTest
      ? {
          kind: c.abTest.kind,
          subjectB: c.abTest.subjectB ?? '',
          templateIdB: templateOfVersion(templates, c.abTest.templateVersionIdB ?? null),
          splitPercent: c.abTest.splitPercent,
          metric: c.abTest.metric,
          afterHours: c.abTest.afterHours,
        }
      : null,
  };
}

/** What the API takes, from the form. */
function bodyOf(d: Draft, templates: TemplateRecord[]): Record<string, unknown> {
  const byId = (id: number | null) => templates.find((t) => t.id === id);
  return {
    name: d.name.trim(),
    topic: d.topic || null,
    includeSegmentIds: d.includeSegmentIds,
    excludeSegmentIds: d.excludeSegmentIds,
    templateVersionId: publishedVersionId(byId(d.templateId)),
    sender: {
      fromName: d.sender.fromName,
      ...(d.sender.fromLocalPart ? { fromLocalPart: d.sender.fromLocalPart } : {}),
      sendingDomain: d.sender.sendingDomain || null,
      replyTo: d.sender.replyTo || null,
    },
    schedule: {
      kind: d.schedule.kind,
      sendAt: d.schedule.kind === 'at' && d.schedule.sendAt ? new Date(d.schedule.sendAt).toISOString() : null,
      date: d.schedule.kind === 'local_time' ? d.schedule.date || null : null,
      time: d.schedule.kind === 'local_time' ? d.schedule.time || null : null,
      fallbackTimeZone: d.schedule.fallbackTimeZone || 'UTC',
    },
    throttlePerHour: d.throttlePerHour ? Number(d.throttlePerHour) : null,
    abTest: d.abTest
      ? {
          kind: d.abTest.kind,
          subjectB: d.abTest.kind === 'subject' ? d.abTest.subjectB : null,
          templateVersionIdB: d.abTest.kind === 'template' ? publishedVersionId(byId(d.abTest.templateIdB)) : null,
          splitPercent: d.abTest.splitPercent,
          metric: d.abTest.metric,
          afterHours: d.abTest.afterHours,
        }
      : null,
  };
}

function SegmentPicker({
  label,
  segments,
  value,
  onChange,
  testId,
}: {
  label: string;
  segments: SegmentRecord[];
  value: number[];
  onChange: (ids: number[]) => void;
  testId: string;
}) {
  return (
    <Autocomplete
      multiple
      options={segments}
      getOptionLabel={(s) => s.name}
      value={segments.filter((s) => value.includes(s.id))}
      onChange={(_e, chosen) => onChange(chosen.map((s) => s.id))}
      renderInput={(params) => <TextField {...params} label={label} />}
      data-testid={testId}
    />
  );
}

/** The audience size as the segments are picked. */
function LiveCount({ include, exclude }: { include: number[]; exclude: number[] }) {
  const [count, setCount] = useState<{ key: string; value: { included: number; excludedBySegments: number; audience: number } | null }>({
    key: '',
    value: null,
  });
  const key = JSON.stringify([include, exclude]);
  useEffect(() => {
    if (include.length === 0) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      campaignsApi.audienceCount(include, exclude, controller.signal).then(
        (value) => setCount({ key, value }),
        () => undefined,
      );
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // `key` stands for the two lists.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (include.length === 0) return <Typography color="text.secondary">Pick at least one segment.</Typography>;
  const value = count.key === key ? count.value : null;
  return (
    <Typography variant="h6" data-testid="audience-count" data-value={value?.audience ?? ''}>
      {value === null
        ? 'Counting…'
        : `${formatNumber(value.audience)} contacts${value.excludedBySegments ? ` (${formatNumber(value.excludedBySegments)} removed by exclusions)` : ''}`}
    </Typography>
  );
}

function TemplatePreview({ template }: { template: TemplateRecord | undefined }) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const [rendered, setRendered] = useState<{ id: number; r: Partial<RenderedTemplate> } | null>(null);
  const version = template?.publishedVersion ?? null;
  useEffect(() => {
    if (!template || version === null) return;
    const controller = new AbortController();
    dataProvider.previewTemplate(template.id, version, { signal: controller.signal }).then(
      ({ data }) => setRendered({ id: template.id, r: data }),
      () => undefined,
    );
    return () => controller.abort();
  }, [dataProvider, template, version]);
  const shown = rendered && template && rendered.id === template.id ? rendered.r : null;
  if (!template) return null;
  return (
    <Stack spacing={1}>
      <Typography variant="body2" data-testid="campaign-preview-subject">
        <strong>Subject:</strong> {shown?.subject ?? '…'}
      </Typography>
      <Box
        component="iframe"
        title="E-mail preview (sample patient)"
        sandbox=""
        srcDoc={shown?.html ?? ''}
        data-testid="campaign-preview"
        sx={{ width: '100%', height: 420, border: 1, borderColor: 'divider', bgcolor: 'common.white' }}
      />
    </Stack>
  );
}

function Wizard({ initial, campaign }: { initial: Draft; campaign?: CampaignRecord }) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const navigate = useNavigate();
  const createPath = useCreatePath();
  const [step, setStep] = useState(0);
  const [d, setD] = useState<Draft>(initial);
  const [saved, setSaved] = useState<CampaignRecord | undefined>(campaign);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const many = { pagination: { page: 1, perPage: 500 } };
  const { data: segments = [] } = useGetList<SegmentRecord>('segments', many);
  const { data: topics = [] } = useGetList<TopicRecord>('topics', many);
  const { data: templates = [] } = useGetList<TemplateRecord>('templates', many);
  const { data: domains = [] } = useGetList<SendingDomainRecord>('sending-domains', many);
  const published = templates.filter((t) => t.publishedVersion !== null && !t.archivedAt);
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));

  const save = async (): Promise<CampaignRecord | undefined> => {
    setBusy(true);
    setProblems([]);
    try {
      const body = bodyOf(d, templates);
      const result = saved
        ? await dataProvider.update<CampaignRecord>('campaigns', { id: saved.id, data: body as Partial<CampaignRecord>, previousData: saved })
        : await dataProvider.create<CampaignRecord>('campaigns', { data: body as Partial<CampaignRecord> });
      setSaved(result.data);
      return result.data;
    } catch (error) {
      const fields = fieldProblems(error);
      setProblems(fields.length ? fields.map((f) => `${f.field}: ${f.message}`) : [error instanceof Error ? error.message : 'The campaign could not be saved']);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  const next = async () => {
    if (step === STEPS.length - 2 && !(await save())) return;
    setStep((s) => s + 1);
  };
  const submit = async () => {
    if (!saved) return;
    try {
      await campaignsApi.act(saved.id, 'submit');
      notify('Submitted for approval', { type: 'info' });
      void navigate(createPath({ resource: 'campaigns', id: saved.id, type: 'show' }));
    } catch (error) {
      const fields = fieldProblems(error);
      setProblems(
        fields.length ? fields.map((f) => `${f.field}: ${f.message}`) : [error instanceof Error ? error.message : 'The campaign could not be submitted'],
      );
    }
  };
  const ab = d.abTest;

  return (
    <Box sx={{ mt: 2 }} data-testid="campaign-wizard">
      <Title title={campaign ? `Edit ${campaign.name}` : 'New campaign'} />
      <Stepper activeStep={step} sx={{ mb: 3 }}>
        {STEPS.map((label) => (
          <Step key={label}>
            <StepLabel>{label}</StepLabel>
          </Step>
        ))}
      </Stepper>
      <Card>
        <CardContent>
          {step === 0 && (
            <Stack spacing={2} sx={{ maxWidth: 720 }}>
              <TextField
                label="Campaign name"
                value={d.name}
                onChange={(e) => set({ name: e.target.value })}
                required
                slotProps={{ htmlInput: { 'data-testid': 'campaign-name' } }}
              />
              <SegmentPicker
                label="Send to segments"
                segments={segments}
                value={d.includeSegmentIds}
                onChange={(ids) => set({ includeSegmentIds: ids })}
                testId="include-segments"
              />
              <SegmentPicker
                label="Except segments"
                segments={segments}
                value={d.excludeSegmentIds}
                onChange={(ids) => set({ excludeSegmentIds: ids })}
                testId="exclude-segments"
              />
              <LiveCount include={d.includeSegmentIds} exclude={d.excludeSegmentIds} />
            </Stack>
          )}
          {step === 1 && (
            <Grid container spacing={3}>
              <Grid size={{ xs: 12, md: 6 }}>
                <Stack spacing={2}>
                  <TextField
                    select
                    label="Consent topic"
                    value={d.topic}
                    onChange={(e) => set({ topic: e.target.value })}
                    required
                    data-testid="campaign-topic"
                  >
                    {topics
                      .filter((t) => t.kind === 'marketing' && !t.archivedAt)
                      .map((t) => (
                        <MenuItem key={t.key} value={t.key}>
                          {t.name}
                        </MenuItem>
                      ))}
                  </TextField>
                  <TextField
                    select
                    label="Template (published version)"
                    value={d.templateId ?? ''}
                    onChange={(e) => set({ templateId: Number(e.target.value) })}
                    required
                    data-testid="campaign-template"
                  >
                    {published.map((t) => (
                      <MenuItem key={t.id} value={t.id}>
                        {t.name} (v{t.publishedVersion})
                      </MenuItem>
                    ))}
                  </TextField>
                  <TextField label="From name" value={d.sender.fromName} onChange={(e) => set({ sender: { ...d.sender, fromName: e.target.value } })} />
                  <Stack direction="row" spacing={1}>
                    <TextField
                      label="From address (before the @)"
                      value={d.sender.fromLocalPart}
                      onChange={(e) => set({ sender: { ...d.sender, fromLocalPart: e.target.value } })}
                      sx={{ flex: 1 }}
                    />
                    <TextField
                      select
                      label="Sending domain"
                      value={d.sender.sendingDomain}
                      onChange={(e) => set({ sender: { ...d.sender, sendingDomain: e.target.value } })}
                      sx={{ flex: 1 }}
                    >
                      <MenuItem value="">Default</MenuItem>
                      {domains.map((s) => (
                        <MenuItem key={s.domain} value={s.domain}>
                          {s.domain}
                        </MenuItem>
                      ))}
                    </TextField>
                  </Stack>
                  <TextField label="Reply-to address" value={d.sender.replyTo} onChange={(e) => set({ sender: { ...d.sender, replyTo: e.target.value } })} />
                  <FormControlLabel
                    control={
                      <Checkbox
                        checked={ab !== null}
                        onChange={(e) =>
                          set({
                            abTest: e.target.checked
                              ? { kind: 'subject', subjectB: '', templateIdB: null, splitPercent: 20, metric: 'opens', afterHours: 4 }
                              : null,
                          })
                        }
                      />
                    }
                    label="A/B test"
                  />
                  {ab && (
                    <Stack spacing={2} sx={{ pl: 2 }}>
                      <RadioGroup row value={ab.kind} onChange={(e) => set({ abTest: { ...ab, kind: e.target.value as AbTest['kind'] } })}>
                        <FormControlLabel value="subject" control={<Radio />} label="Subject" />
                        <FormControlLabel value="template" control={<Radio />} label="Template" />
                      </RadioGroup>
                      {ab.kind === 'subject' ? (
                        <TextField label="Subject B" value={ab.subjectB} onChange={(e) => set({ abTest: { ...ab, subjectB: e.target.value } })} />
                      ) : (
                        <TextField
                          select
                          label="Template B"
                          value={ab.templateIdB ?? ''}
                          onChange={(e) => set({ abTest: { ...ab, templateIdB: Number(e.target.value) } })}
                        >
                          {published.map((t) => (
                            <MenuItem key={t.id} value={t.id}>
                              {t.name} (v{t.publishedVersion})
                            </MenuItem>
                          ))}
                        </TextField>
                      )}
                      <Stack direction="row" spacing={1}>
                        <TextField
                          type="number"
                          label="Test on % of the audience"
                          value={ab.splitPercent}
                          onChange={(e) => set({ abTest: { ...ab, splitPercent: Number(e.target.value) } })}
                        />
                        <TextField
                          select
                          label="Winner by"
                          value={ab.metric}
                          onChange={(e) => set({ abTest: { ...ab, metric: e.target.value as AbTest['metric'] } })}
                        >
                          <MenuItem value="opens">Opens</MenuItem>
                          <MenuItem value="clicks">Clicks</MenuItem>
                        </TextField>
                        <TextField
                          type="number"
                          label="After hours"
                          value={ab.afterHours}
                          onChange={(e) => set({ abTest: { ...ab, afterHours: Number(e.target.value) } })}
                        />
                      </Stack>
                    </Stack>
                  )}
                </Stack>
              </Grid>
              <Grid size={{ xs: 12, md: 6 }}>
                <TemplatePreview template={templates.find((t) => t.id === d.templateId)} />
              </Grid>
            </Grid>
          )}
          {step === 2 && (
            <Stack spacing={2} sx={{ maxWidth: 720 }}>
              <RadioGroup value={d.schedule.kind} onChange={(e) => set({ schedule: { ...d.schedule, kind: e.target.value as Draft['schedule']['kind'] } })}>
                <FormControlLabel value="now" control={<Radio />} label="Send as soon as it is approved and scheduled" />
                <FormControlLabel value="at" control={<Radio />} label="At a date and time" />
                <FormControlLabel value="local_time" control={<Radio />} label="At a time of day in each recipient's time zone" />
              </RadioGroup>
              {d.schedule.kind === 'at' && (
                <TextField
                  type="datetime-local"
                  label="Send at"
                  value={d.schedule.sendAt}
                  onChange={(e) => set({ schedule: { ...d.schedule, sendAt: e.target.value } })}
                  slotProps={{ inputLabel: { shrink: true } }}
                />
              )}
              {d.schedule.kind === 'local_time' && (
                <Stack direction="row" spacing={1}>
                  <TextField
                    type="date"
                    label="Day"
                    value={d.schedule.date}
                    onChange={(e) => set({ schedule: { ...d.schedule, date: e.target.value } })}
                    slotProps={{ inputLabel: { shrink: true } }}
                  />
                  <TextField
                    type="time"
                    label="Time"
                    value={d.schedule.time}
                    onChange={(e) => set({ schedule: { ...d.schedule, time: e.target.value } })}
                    slotProps={{ inputLabel: { shrink: true } }}
                  />
                  <TextField
                    label="Time zone when unknown"
                    value={d.schedule.fallbackTimeZone}
                    onChange={(e) => set({ schedule: { ...d.schedule, fallbackTimeZone: e.target.value } })}
                  />
                </Stack>
              )}
              <TextField
                type="number"
                label="Throttle: at most this many an hour (empty: as fast as allowed)"
                value={d.throttlePerHour}
                onChange={(e) => set({ throttlePerHour: e.target.value })}
              />
            </Stack>
          )}
          {step === 3 && saved && (
            <Stack spacing={2}>
              <Alert severity="info">Saved as a draft. Read the checks below, then submit it: a compliance officer approves it before anything is sent.</Alert>
              <PreSendChecksPanel id={saved.id} version={saved.updatedAt} />
            </Stack>
          )}
          {problems.length > 0 && (
            <Alert severity="error" sx={{ mt: 2 }} data-testid="campaign-problems">
              {problems.join('; ')}
            </Alert>
          )}
          <Stack direction="row" spacing={1} sx={{ mt: 3 }}>
            <Button startIcon={<ArrowBack />} disabled={step === 0 || busy} onClick={() => setStep((s) => s - 1)}>
              Back
            </Button>
            <Box sx={{ flex: 1 }} />
            {step < STEPS.length - 1 ? (
              <Button
                variant="contained"
                endIcon={<ArrowForward />}
                disabled={busy || (step === 0 && (!d.name.trim() || d.includeSegmentIds.length === 0))}
                onClick={() => void next()}
                data-testid="wizard-next"
              >
                {step === STEPS.length - 2 ? 'Save and review' : 'Next'}
              </Button>
            ) : (
              <>
                <Button onClick={() => saved && void navigate(createPath({ resource: 'campaigns', id: saved.id, type: 'show' }))}>Keep as draft</Button>
                <Button variant="contained" onClick={() => void submit()} data-testid="wizard-submit">
                  Submit for approval
                </Button>
              </>
            )}
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
}

export function CampaignCreate() {
  return <Wizard initial={EMPTY} />;
}

export function CampaignEdit() {
  const { id = '' } = useParams();
  const { data, isPending } = useGetOne<CampaignRecord>('campaigns', { id });
  const { data: templates, isPending: loadingTemplates } = useGetList<TemplateRecord>('templates', { pagination: { page: 1, perPage: 500 } });
  if (isPending || loadingTemplates) return <Loading />;
  if (!data) return <Alert severity="error">This campaign could not be loaded.</Alert>;
  if (!data.editable) return <Alert severity="info">This campaign is {data.status}: only a draft can change.</Alert>;
  return <Wizard initial={draftOf(data, templates ?? [])} campaign={data} />;
}
