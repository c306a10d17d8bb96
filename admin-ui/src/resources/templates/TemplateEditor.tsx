import Publish from '@mui/icons-material/Publish';
import Save from '@mui/icons-material/Save';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Chip,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  List as MuiList,
  ListItem,
  ListItemText,
  Stack,
  Tab,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tabs,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { Loading, Title, useDataProvider, useGetOne, useNotify } from 'react-admin';
import { useParams } from 'react-router-dom';

import { CodeEditor } from '../../components/CodeEditor';
import { formatDateTime } from '../../components/format';
import type { HipaaDataProvider, RenderedTemplate, TemplateContent, TemplateRecord, TemplateVersion, TemplateWarning } from '../../providers/dataProvider';
import { fieldProblems } from '../../providers/httpClient';
import { PreviewAsContact } from './PreviewAsContact';
import { TemplateCategoryChip } from './TemplateChips';
import { TestSendButton } from './TestSendButton';

const PREVIEW_DEBOUNCE_MS = 600;
const WIDTHS = { desktop: 600, mobile: 375 } as const;
type Device = keyof typeof WIDTHS;

interface Content {
  subject: string;
  preheader: string;
  fromName: string;
  mjml: string;
}

const contentOf = (v: Partial<TemplateVersion>): Content => ({
  subject: v.subject ?? '',
  preheader: v.preheader ?? '',
  fromName: v.fromName ?? '',
  mjml: v.mjml ?? '',
});

/** The messages of a failed save or publish: MJML errors with their line, CAN-SPAM reasons, or the error itself. */
function problemsOf(error: unknown): string[] {
  const fields = fieldProblems(error);
  if (fields.length) return fields.map((f) => f.message);
  return [error instanceof Error ? error.message : 'The request failed'];
}

/** A rendered e-mail: the HTML in a sandboxed frame (no script, no same-origin), or its plain text. */
function EmailPreview({ rendered, testId = 'template-preview' }: { rendered: RenderedTemplate | null; testId?: string }) {
  const [device, setDevice] = useState<Device>('desktop');
  const [tab, setTab] = useState<'html' | 'text'>('html');
  return (
    <Stack spacing={1}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <Tabs value={tab} onChange={(_e, value: 'html' | 'text') => setTab(value)} sx={{ minHeight: 36, '& .MuiTab-root': { minHeight: 36 } }}>
          <Tab value="html" label="HTML" />
          <Tab value="text" label="Plain text" />
        </Tabs>
        <Box sx={{ flex: 1 }} />
        <ToggleButtonGroup size="small" exclusive value={device} onChange={(_e, value: Device | null) => value && setDevice(value)} aria-label="Preview width">
          <ToggleButton value="desktop">Desktop</ToggleButton>
          <ToggleButton value="mobile">Mobile</ToggleButton>
        </ToggleButtonGroup>
      </Stack>
      <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 1 }}>
        <Typography variant="body2" data-testid="preview-subject">
          <strong>Subject:</strong> {rendered?.subject ?? '—'}
        </Typography>
        <Typography variant="caption" color="text.secondary" data-testid="preview-preheader">
          {rendered?.preheader ?? ''}
        </Typography>
      </Box>
      {tab === 'html' ? (
        <Box sx={{ overflowX: 'auto', bgcolor: 'grey.100', p: 1, borderRadius: 1 }}>
          <Box
            component="iframe"
            title="E-mail preview"
            sandbox=""
            srcDoc={rendered?.html ?? ''}
            data-testid={testId}
            sx={{ display: 'block', mx: 'auto', width: WIDTHS[device], maxWidth: 'none', height: 640, border: 0, bgcolor: 'common.white' }}
          />
        </Box>
      ) : (
        <Box
          component="pre"
          data-testid="preview-text"
          sx={{ whiteSpace: 'pre-wrap', fontSize: '0.8rem', p: 1, m: 0, border: 1, borderColor: 'divider', borderRadius: 1, maxHeight: 640, overflow: 'auto' }}
        >
          {rendered?.text ?? ''}
        </Box>
      )}
    </Stack>
  );
}

function Warnings({ warnings }: { warnings: TemplateWarning[] }) {
  if (!warnings.length) return null;
  return (
    <Alert severity="warning" data-testid="template-warnings">
      <Typography variant="body2" sx={{ fontWeight: 500 }}>
        Check before publishing
      </Typography>
      <MuiList dense disablePadding>
        {warnings.map((w, i) => (
          <ListItem key={`${w.code}-${w.field}-${i}`} disableGutters sx={{ py: 0 }}>
            <ListItemText
              primary={w.message}
              secondary={[w.field, w.line !== undefined ? `line ${w.line}` : undefined, w.detail].filter(Boolean).join(' · ')}
              slotProps={{ primary: { variant: 'body2' } }}
            />
          </ListItem>
        ))}
      </MuiList>
    </Alert>
  );
}

/** A published version, read-only: its content and its rendering. */
function VersionDialog({ templateId, version, onClose }: { templateId: number; version: number; onClose: () => void }) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const [content, setContent] = useState<Partial<TemplateVersion> | null>(null);
  const [rendered, setRendered] = useState<RenderedTemplate | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    void Promise.all([
      dataProvider.getTemplateVersion(templateId, version, { signal: controller.signal }),
      dataProvider.previewTemplate(templateId, version, { signal: controller.signal }),
    ])
      .then(([v, r]) => {
        setContent(v.data);
        if (typeof r.data.html === 'string') setRendered(r.data as RenderedTemplate);
      })
      .catch(() => undefined);
    return () => controller.abort();
  }, [dataProvider, templateId, version]);
  return (
    <Dialog open onClose={onClose} maxWidth="lg" fullWidth data-testid="version-dialog">
      <DialogTitle>
        Version {version}
        {content?.publishedAt ? ` · published ${formatDateTime(content.publishedAt) ?? ''}` : ''}
      </DialogTitle>
      <DialogContent>
        {!content ? (
          <CircularProgress />
        ) : (
          <Stack direction={{ xs: 'column', md: 'row' }} spacing={2}>
            <Stack spacing={1} sx={{ flex: 1, minWidth: 0 }}>
              <TextField label="Subject" value={content.subject ?? ''} size="small" slotProps={{ input: { readOnly: true } }} />
              <TextField label="Preheader" value={content.preheader ?? ''} size="small" slotProps={{ input: { readOnly: true } }} />
              <TextField label="From name" value={content.fromName ?? ''} size="small" slotProps={{ input: { readOnly: true } }} />
              <TextField
                label="MJML"
                value={content.mjml ?? ''}
                multiline
                minRows={16}
                maxRows={30}
                slotProps={{ input: { readOnly: true, sx: { fontFamily: 'monospace', fontSize: '0.8rem' } } }}
              />
            </Stack>
            <Box sx={{ flex: 1, minWidth: 0 }}>
              <EmailPreview rendered={rendered} testId="version-preview" />
            </Box>
          </Stack>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}

function Versions({ template, onView }: { template: TemplateRecord; onView: (version: number) => void }) {
  return (
    <Table size="small" data-testid="template-versions">
      <TableHead>
        <TableRow>
          <TableCell>Version</TableCell>
          <TableCell>Status</TableCell>
          <TableCell>Subject</TableCell>
          <TableCell>Date</TableCell>
          <TableCell />
        </TableRow>
      </TableHead>
      <TableBody>
        {[...template.versions].reverse().map((v) => (
          <TableRow key={v.id} data-testid={`template-version-${v.version}`}>
            <TableCell>v{v.version}</TableCell>
            <TableCell>{v.status === 'published' ? <Chip size="small" color="success" label="Published" /> : <Chip size="small" label="Draft" />}</TableCell>
            <TableCell sx={{ maxWidth: 240, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{v.subject}</TableCell>
            <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(v.publishedAt ?? v.createdAt)}</TableCell>
            <TableCell>
              {v.status === 'published' && (
                <Button size="small" onClick={() => onView(v.version)}>
                  View
                </Button>
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/**
 * Edits a template's draft with a live preview: every pause in typing saves the draft, then
 * renders it with the built-in sample patient (never a real contact).
 */
export function TemplateEditor() {
  const { id } = useParams<{ id: string }>();
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const { data: template, refetch, isPending, error } = useGetOne<TemplateRecord>('templates', { id: Number(id) }, { enabled: id !== undefined });
  const [content, setContent] = useState<Content | null>(null);
  const [rendered, setRendered] = useState<RenderedTemplate | null>(null);
  const [warnings, setWarnings] = useState<TemplateWarning[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [problemTitle, setProblemTitle] = useState('');
  const [edits, setEdits] = useState(0);
  const [saving, setSaving] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const [viewing, setViewing] = useState<number | null>(null);
  const [savedRev, setSavedRev] = useState(0);
  // A rendering with a real contact's data: component state only, dropped on the next edit.
  const [asContact, setAsContact] = useState<{ contactId: string; rendered: RenderedTemplate } | null>(null);
  const latestVersion = template?.versions.length ? Math.max(...template.versions.map((v) => v.version)) : undefined;

  const renderVersion = useCallback(
    async (version: number) => {
      if (!id) return;
      const { data } = await dataProvider.previewTemplate(id, version);
      if (typeof data.html === 'string') {
        setRendered(data as RenderedTemplate);
        setWarnings(data.warnings ?? []);
      }
    },
    [dataProvider, id],
  );

  // The latest version (draft, or the last published one) is what the editor starts from.
  useEffect(() => {
    if (!id || latestVersion === undefined || content !== null) return;
    void dataProvider
      .getTemplateVersion(id, latestVersion)
      .then(({ data }) => {
        setContent(contentOf(data));
        setWarnings(data.warnings ?? []);
        return renderVersion(latestVersion);
      })
      .catch((e: unknown) => {
        setProblemTitle('The preview failed');
        setProblems(problemsOf(e));
      });
  }, [id, latestVersion, content, dataProvider, renderVersion]);

  const saveDraft = useCallback(
    async (toSave: Content, rev: number): Promise<boolean> => {
      if (!id) return false;
      setSaving(true);
      try {
        const { data } = await dataProvider.saveTemplateDraft(id, toSave satisfies TemplateContent);
        setSavedRev((current) => Math.max(current, rev));
        setProblems([]);
        setWarnings(data.warnings ?? []);
        if (data.version?.version !== undefined) await renderVersion(data.version.version);
        // A first edit after a publication starts the next version: the version list changes.
        void refetch();
        return true;
      } catch (e) {
        setProblemTitle('The draft could not be saved');
        setProblems(problemsOf(e));
        return false;
      } finally {
        setSaving(false);
      }
    },
    [dataProvider, id, renderVersion, refetch],
  );

  // Debounced autosave and preview after each edit.
  useEffect(() => {
    if (edits === 0 || !content) return undefined;
    const timer = setTimeout(() => void saveDraft(content, edits), PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [content, edits, saveDraft]);

  const edit = (changes: Partial<Content>) => {
    setAsContact(null);
    setContent((current) => (current ? { ...current, ...changes } : current));
    setEdits((n) => n + 1);
  };

  const publish = async () => {
    if (!id || !content) return;
    setPublishing(true);
    try {
      if (savedRev < edits && !(await saveDraft(content, edits))) return;
      const { data } = await dataProvider.publishTemplate(id);
      setProblems([]);
      await refetch();
      notify(`Version ${data.version?.version ?? ''} published`, { type: 'success' });
    } catch (e) {
      setProblemTitle('The template cannot be published');
      setProblems(problemsOf(e));
    } finally {
      setPublishing(false);
    }
  };

  if (isPending) return <Loading />;
  if (!template) return <Alert severity="error">{error instanceof Error ? error.message : 'Template not found'}</Alert>;
  const hasDraft = template.draftVersion !== null || savedRev < edits;

  return (
    <Box sx={{ p: { xs: 1, md: 2 } }} data-testid="template-editor">
      <Title title={`Template “${template.name}”`} />
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 2, flexWrap: 'wrap' }} useFlexGap>
        <Typography variant="h5">{template.name}</Typography>
        <TemplateCategoryChip category={template.category} />
        {template.publishedVersion !== null && <Chip size="small" color="success" label={`Published v${template.publishedVersion}`} />}
        {template.draftVersion !== null && <Chip size="small" label={`Draft v${template.draftVersion}`} />}
        <Box sx={{ flex: 1 }} />
        {saving && <CircularProgress size={18} />}
        {template.publishedVersion !== null && <TestSendButton templateId={template.id} version={template.publishedVersion} />}
        <Button variant="outlined" startIcon={<Save />} disabled={!content || saving} onClick={() => content && void saveDraft(content, edits)}>
          Save draft
        </Button>
        <Button variant="contained" startIcon={<Publish />} disabled={!content || publishing || !hasDraft} onClick={() => void publish()}>
          Publish
        </Button>
      </Stack>
      {problems.length > 0 && (
        <Alert severity="error" sx={{ mb: 2 }} data-testid="template-errors">
          <Typography variant="body2" sx={{ fontWeight: 500 }}>
            {problemTitle}
          </Typography>
          <MuiList dense disablePadding>
            {problems.map((p) => (
              <ListItem key={p} disableGutters sx={{ py: 0 }}>
                <ListItemText primary={p} slotProps={{ primary: { variant: 'body2' } }} />
              </ListItem>
            ))}
          </MuiList>
        </Alert>
      )}
      {!content ? (
        <Loading />
      ) : (
        <Stack direction={{ xs: 'column', lg: 'row' }} spacing={2} sx={{ alignItems: 'flex-start' }}>
          <Stack spacing={2} sx={{ flex: 1, minWidth: 0, width: '100%' }}>
            <Card>
              <CardContent>
                <Stack spacing={2}>
                  <TextField
                    label="Subject"
                    value={content.subject}
                    onChange={(e) => edit({ subject: e.target.value })}
                    size="small"
                    slotProps={{ htmlInput: { 'data-testid': 'template-subject', maxLength: 500 } }}
                    fullWidth
                  />
                  <TextField
                    label="Preheader"
                    value={content.preheader}
                    onChange={(e) => edit({ preheader: e.target.value })}
                    size="small"
                    slotProps={{ htmlInput: { maxLength: 500 } }}
                    fullWidth
                  />
                  <TextField
                    label="From name"
                    value={content.fromName}
                    onChange={(e) => edit({ fromName: e.target.value })}
                    size="small"
                    slotProps={{ htmlInput: { maxLength: 200 } }}
                    fullWidth
                  />
                  <CodeEditor label="MJML" value={content.mjml} onChange={(mjml) => edit({ mjml })} testId="mjml-editor" />
                </Stack>
              </CardContent>
            </Card>
            <Warnings warnings={warnings} />
            <Card>
              <CardContent>
                <Typography variant="h6" gutterBottom>
                  Versions
                </Typography>
                <Versions template={template} onView={setViewing} />
              </CardContent>
            </Card>
          </Stack>
          <Card sx={{ flex: 1, minWidth: 0, width: '100%' }}>
            <CardContent>
              <Typography variant="h6" gutterBottom>
                Preview
              </Typography>
              <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mb: 1 }}>
                Rendered with a sample patient{asContact ? '' : ', unless you preview as a contact'}.
              </Typography>
              <PreviewAsContact
                templateId={template.id}
                version={latestVersion}
                active={asContact?.contactId ?? null}
                onRendered={(contactId, contactRendered) => setAsContact(contactId && contactRendered ? { contactId, rendered: contactRendered } : null)}
              />
              <EmailPreview rendered={asContact?.rendered ?? rendered} />
            </CardContent>
          </Card>
        </Stack>
      )}
      {viewing !== null && <VersionDialog templateId={template.id} version={viewing} onClose={() => setViewing(null)} />}
    </Box>
  );
}
