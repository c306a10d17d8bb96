import { Button, type ButtonProps } from '@mui/material';
import { useState, type ReactNode } from 'react';
import { Confirm } from 'react-admin';

interface ConfirmButtonProps {
  label: string;
  icon?: ReactNode;
  color?: ButtonProps['color'];
  variant?: ButtonProps['variant'];
  size?: ButtonProps['size'];
  disabled?: boolean;
  /** The dialog: a question as title, the consequences as content. */
  title: string;
  content: ReactNode;
  /** The confirming button's label, e.g. "Revoke key". */
  confirmLabel: string;
  /** Runs on confirmation; the dialog stays open (and busy) until it settles. */
  onConfirm: () => Promise<void>;
  'data-testid'?: string;
}

/** A button for a destructive or far-reaching action, which asks first. */
export function ConfirmButton({
  label,
  icon,
  color = 'primary',
  variant = 'text',
  size = 'small',
  disabled,
  title,
  content,
  confirmLabel,
  onConfirm,
  'data-testid': testId,
}: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setOpen(false);
    }
  };

  return (
    <>
      <Button
        size={size}
        color={color}
        variant={variant}
        startIcon={icon}
        disabled={disabled || busy}
        data-testid={testId}
        onClick={(event) => {
          // Inside a clickable table row, the click is this button's alone.
          event.stopPropagation();
          setOpen(true);
        }}
      >
        {label}
      </Button>
      <Confirm
        isOpen={open}
        loading={busy}
        title={title}
        content={content}
        confirm={confirmLabel}
        confirmColor={color === 'error' || color === 'warning' ? 'warning' : 'primary'}
        onConfirm={() => void confirm()}
        onClose={() => setOpen(false)}
      />
    </>
  );
}
