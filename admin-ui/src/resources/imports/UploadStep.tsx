import CloudUpload from '@mui/icons-material/CloudUpload';
import InsertDriveFile from '@mui/icons-material/InsertDriveFile';
import { Alert, Box, Button, LinearProgress, Stack, Typography } from '@mui/material';
import { useRef, useState, type DragEvent } from 'react';
import { useDataProvider } from 'react-admin';

import type { HipaaDataProvider, ImportRecord } from '../../providers/dataProvider';
import { fieldError } from '../../providers/httpClient';
import { formatBytes } from './importFormat';

interface UploadStepProps {
  /** The upload succeeded: the import, with its detected format and suggested mapping. */
  onUploaded: (job: ImportRecord) => void;
}

const isImport = (data: Partial<ImportRecord>): data is ImportRecord => typeof data.id === 'string' && Array.isArray(data.headers);

/**
 * Step 1: the file. It is chosen first and sent only on "Upload" (a wrong file of patient data
 * should not leave the computer by a misclick), as the raw request body, with its progress.
 */
export function UploadStep({ onUploaded }: UploadStepProps) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const input = useRef<HTMLInputElement>(null);
  const controller = useRef<AbortController | undefined>(undefined);
  const [file, setFile] = useState<File | undefined>();
  const [sent, setSent] = useState<{ loaded: number; total: number } | undefined>();
  const [error, setError] = useState<unknown>();
  const [dragging, setDragging] = useState(false);
  const uploading = sent !== undefined;

  const choose = (chosen: File | undefined) => {
    setFile(chosen);
    setError(undefined);
  };

  const upload = async () => {
    if (!file) return;
    controller.current = new AbortController();
    setError(undefined);
    setSent({ loaded: 0, total: file.size });
    try {
      const { data } = await dataProvider.uploadImport(file, {
        signal: controller.current.signal,
        onProgress: (loaded, total) => setSent({ loaded, total }),
      });
      if (isImport(data)) onUploaded(data);
    } catch (cause) {
      if (!(cause instanceof DOMException && cause.name === 'AbortError')) setError(cause);
    } finally {
      setSent(undefined);
      controller.current = undefined;
    }
  };

  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setDragging(false);
    if (!uploading) choose(event.dataTransfer.files[0]);
  };

  const percent = sent && sent.total > 0 ? Math.round((sent.loaded / sent.total) * 100) : 0;
  const problem = fieldError(error, 'file') ?? (error instanceof Error ? error.message : undefined);

  return (
    <Stack spacing={2} data-testid="upload-step">
      <Box
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        sx={{
          border: '2px dashed',
          borderColor: dragging ? 'primary.main' : 'divider',
          borderRadius: 2,
          p: 4,
          textAlign: 'center',
          bgcolor: dragging ? 'action.hover' : undefined,
        }}
      >
        <input
          ref={input}
          type="file"
          accept=".csv,.txt,.tsv,text/csv,text/plain"
          hidden
          onChange={(event) => choose(event.target.files?.[0])}
          data-testid="import-file-input"
        />
        <CloudUpload sx={{ fontSize: 48, color: 'text.secondary' }} />
        <Typography variant="body1" sx={{ mt: 1 }}>
          Drop a CSV file here, or
        </Typography>
        <Button variant="outlined" sx={{ mt: 1 }} disabled={uploading} onClick={() => input.current?.click()}>
          Choose a file
        </Button>
        <Typography variant="body2" color="text.secondary" sx={{ mt: 2 }}>
          The first line must name the columns. UTF-8, UTF-16 or Windows-1252; separated by commas, semicolons, tabs or pipes. Any size.
        </Typography>
      </Box>
      {file && (
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }} data-testid="chosen-file">
          <InsertDriveFile color="action" />
          <Typography variant="body2" sx={{ fontWeight: 500 }}>
            {file.name}
          </Typography>
          <Typography variant="body2" color="text.secondary">
            {formatBytes(file.size)}
          </Typography>
        </Stack>
      )}
      {sent && (
        <Box>
          <LinearProgress variant="determinate" value={percent} aria-label="Upload progress" data-testid="upload-progress" />
          <Typography variant="caption" color="text.secondary">
            {percent}% · {formatBytes(sent.loaded)} of {formatBytes(sent.total)} sent
          </Typography>
        </Box>
      )}
      {problem && (
        <Alert severity="error" data-testid="upload-error">
          {problem}
        </Alert>
      )}
      <Typography variant="caption" color="text.secondary">
        The file is encrypted as it arrives and deleted once the import finishes or is cancelled. Nothing is imported until you start the import.
      </Typography>
      <Stack direction="row" spacing={1} sx={{ justifyContent: 'flex-end' }}>
        {uploading && <Button onClick={() => controller.current?.abort()}>Cancel upload</Button>}
        <Button variant="contained" startIcon={<CloudUpload />} disabled={!file || uploading} onClick={() => void upload()} data-testid="upload-button">
          Upload
        </Button>
      </Stack>
    </Stack>
  );
}
