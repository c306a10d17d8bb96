import { TextField } from '@mui/material';

interface CodeFieldProps {
  value: string;
  onChange: (value: string) => void;
  disabled?: boolean;
}

/** The 6-digit code from an authenticator app. */
export function CodeField({ value, onChange, disabled }: CodeFieldProps) {
  return (
    <TextField
      id="mfa-code"
      name="code"
      label="6-digit code"
      value={value}
      onChange={(event) => onChange(event.target.value.replace(/\D/g, '').slice(0, 6))}
      disabled={disabled}
      required
      fullWidth
      autoFocus
      helperText="The code your authenticator app shows now"
      slotProps={{
        htmlInput: {
          inputMode: 'numeric',
          pattern: '[0-9]{6}',
          maxLength: 6,
          autoComplete: 'one-time-code',
          spellCheck: false,
        },
      }}
    />
  );
}

export const isSixDigits = (code: string): boolean => /^\d{6}$/.test(code);
