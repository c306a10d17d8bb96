import Refresh from '@mui/icons-material/Refresh';
import { Alert, AlertTitle, Box, Button, CircularProgress, List, ListItem, ListItemText, Typography } from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useDataProvider, useRefresh } from 'react-admin';

import { countOf, formatDateTime } from '../../components/format';
import type { ChainVerification, HipaaDataProvider } from '../../providers/dataProvider';

type State = { kind: 'checking'; previous?: ChainVerification } | { kind: 'done'; result: ChainVerification } | { kind: 'error'; message: string };

/** The first problems are enough to start an investigation; the rest are in the same region. */
const MAX_PROBLEMS_SHOWN = 20;

function isVerification(data: Partial<ChainVerification>): data is ChainVerification {
  return typeof data.valid === 'boolean' && typeof data.rowsChecked === 'number';
}

/** Asks the server to walk the chain; answers the state to show. */
async function verification(dataProvider: HipaaDataProvider, signal: AbortSignal): Promise<State> {
  try {
    const { data } = await dataProvider.verifyAuditChain({ signal });
    if (!isVerification(data)) return { kind: 'error', message: 'You are not allowed to verify the audit log.' };
    return { kind: 'done', result: data };
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : 'The check could not run.' };
  }
}

/**
 * Whether the hash chain of the audit log is intact, checked when the page opens and on demand.
 * Every entry's hash covers the previous one, so an edited or deleted row breaks the chain from
 * there on; the server walks it all and names the rows that do not match.
 */
export function ChainStatusBanner() {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const refresh = useRefresh();
  const [state, setState] = useState<State>({ kind: 'checking' });
  const controller = useRef<AbortController | undefined>(undefined);

  const restart = () => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    return current.signal;
  };

  // On opening the page (the initial state is already "checking").
  useEffect(() => {
    const signal = restart();
    void verification(dataProvider, signal).then((next) => {
      if (!signal.aborted) setState(next);
    });
    return () => controller.current?.abort();
  }, [dataProvider]);

  const verifyNow = async () => {
    setState((previous) => ({ kind: 'checking', previous: previous.kind === 'done' ? previous.result : undefined }));
    const signal = restart();
    const next = await verification(dataProvider, signal);
    if (signal.aborted) return;
    setState(next);
    // The check itself is audited: show its entry in the list.
    if (next.kind === 'done') refresh();
  };

  const verifyButton = (
    <Button
      color="inherit"
      size="small"
      startIcon={state.kind === 'checking' ? <CircularProgress size={16} color="inherit" /> : <Refresh />}
      disabled={state.kind === 'checking'}
      onClick={() => void verifyNow()}
    >
      Verify now
    </Button>
  );

  if (state.kind === 'error') {
    return (
      <Alert severity="warning" action={verifyButton} data-testid="chain-status" data-state="error" sx={{ mt: 2 }}>
        <AlertTitle>The audit chain could not be verified</AlertTitle>
        {state.message}
      </Alert>
    );
  }

  if (state.kind === 'checking') {
    return (
      <Alert severity="info" icon={false} action={verifyButton} data-testid="chain-status" data-state="checking" sx={{ mt: 2 }}>
        <AlertTitle>Verifying the audit chain…</AlertTitle>
        Every entry’s hash is being recomputed and compared with the next.
      </Alert>
    );
  }

  const { result } = state;
  const checkedAt = formatDateTime(result.checkedAt, { seconds: true });
  if (result.valid) {
    return (
      <Alert severity="success" action={verifyButton} data-testid="chain-status" data-state="valid" sx={{ mt: 2 }}>
        <AlertTitle>Chain verified: {countOf(result.rowsChecked, 'entry', 'entries')}</AlertTitle>
        No entry has been altered or removed. Checked {checkedAt}
        {result.headId !== null && <> up to entry #{result.headId}</>}
        {result.anchoredAt && (
          <>
            , since the retention anchor of {formatDateTime(result.anchoredAt.createdAt)} (entries up to #{result.anchoredAt.throughId} were purged after the
            retention period)
          </>
        )}
        .
      </Alert>
    );
  }

  return (
    <Alert severity="error" action={verifyButton} data-testid="chain-status" data-state="invalid" sx={{ mt: 2 }}>
      <AlertTitle>
        Chain verification failed: {countOf(result.problems.length, 'problem', 'problems')} in {countOf(result.rowsChecked, 'entry', 'entries')}
      </AlertTitle>
      <Typography variant="body2">
        The audit log may have been tampered with. Export it now and escalate to your security officer. Checked {checkedAt}.
      </Typography>
      <Box component="div" data-testid="chain-problems">
        <List dense disablePadding>
          {result.problems.slice(0, MAX_PROBLEMS_SHOWN).map((problem) => (
            <ListItem key={`${problem.id}:${problem.kind}`} disableGutters>
              <ListItemText primary={`Entry #${problem.id} — ${problem.kind}`} secondary={problem.message} />
            </ListItem>
          ))}
        </List>
        {result.problems.length > MAX_PROBLEMS_SHOWN && <Typography variant="caption">…and {result.problems.length - MAX_PROBLEMS_SHOWN} more.</Typography>}
      </Box>
    </Alert>
  );
}
