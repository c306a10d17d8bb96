import Check from '@mui/icons-material/Check';
import ContentCopy from '@mui/icons-material/ContentCopy';
import { Button } from '@mui/material';
import { useEffect, useState } from 'react';

interface CopyButtonProps {
  value: string;
  label?: string;
}

/** Copies a value to the clipboard and says so for a moment. */
export function CopyButton({ value, label = 'Copy' }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2500);
    return () => window.clearTimeout(timer);
  }, [state]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      // Clipboard access can be refused (permissions, insecure context): the value stays selectable.
      setState('failed');
    }
  };

  return (
    <Button
      variant="outlined"
      onClick={() => void copy()}
      startIcon={state === 'copied' ? <Check /> : <ContentCopy />}
      color={state === 'failed' ? 'warning' : 'primary'}
      aria-live="polite"
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy it by hand' : label}
    </Button>
  );
}
