import {
  Alert,
  Checkbox,
  FormControl,
  FormControlLabel,
  FormHelperText,
  FormLabel,
  MenuItem,
  Radio,
  RadioGroup,
  Stack,
  TextField,
  Typography,
} from '@mui/material';

import type { ImportBasis, TopicRecord } from '../../providers/dataProvider';

export interface ConsentForm {
  topic: string;
  basis: ImportBasis;
  attestation: string;
  /** Typed by the user: a change of topic or basis no longer rewrites it. */
  edited: boolean;
  /** The box ticked for the attestation as it reads now. */
  confirmed: boolean;
  onExisting: 'update' | 'skip';
}

export const BASES: ReadonlyArray<{ id: ImportBasis; name: string; description: string }> = [
  {
    id: 'prior_express_consent',
    name: 'Prior express consent',
    description: 'Each person agreed to receive these e-mails, e.g. on a signed form or by an online opt-in.',
  },
  {
    id: 'hipaa_authorization_on_file',
    name: 'HIPAA authorization on file',
    description: 'Each person signed a HIPAA marketing authorization that covers these e-mails.',
  },
  {
    id: 'existing_relationship_transactional',
    name: 'Existing relationship, transactional only',
    description: 'Current patients or members, for messages about their own care or account. Not a basis for marketing.',
  },
];

export const basisName = (basis: ImportBasis): string => BASES.find((b) => b.id === basis)?.name ?? basis;

/** A first wording of the attestation, to read and adapt: the uploader states it, the server records it with their name. */
export function attestationFor(topicName: string | undefined, basis: ImportBasis): string {
  const topic = topicName ? `“${topicName}”` : 'these';
  switch (basis) {
    case 'prior_express_consent':
      return `I attest that every person in this file gave our organization prior express consent to receive ${topic} e-mails, and that a record of each consent is kept.`;
    case 'hipaa_authorization_on_file':
      return `I attest that a signed, unexpired HIPAA marketing authorization covering ${topic} e-mails is on file for every person in this file.`;
    case 'existing_relationship_transactional':
      return `I attest that every person in this file is a current patient or member of our organization, and that ${topic} messages are only about their own care or account.`;
  }
}

export const ATTESTATION_MIN = 10;
export const ATTESTATION_MAX = 2000;

interface ConsentStepProps {
  form: ConsentForm;
  onChange: (form: ConsentForm) => void;
  topics: readonly TopicRecord[];
  /** Problems by the server's field names (`consent.topic`, `consent.attestation`, `onExisting`…). */
  problems: Readonly<Partial<Record<string, string>>>;
}

/**
 * Step 3: the consent this file's people gave, attested by the uploader. Every contact imported
 * gets a consent entry for the topic, with the attestation and who made it as its evidence.
 */
export function ConsentStep({ form, onChange, topics, problems }: ConsentStepProps) {
  const active = topics.filter((topic) => !topic.archived);
  const topic = active.find((t) => t.key === form.topic);
  const rewrite = (next: Partial<ConsentForm>): ConsentForm => {
    const merged = { ...form, ...next };
    if (form.edited) return merged;
    const name = active.find((t) => t.key === merged.topic)?.name;
    return { ...merged, attestation: attestationFor(name, merged.basis), confirmed: false };
  };
  const warning =
    topic?.requiresAuthorization && form.basis !== 'hipaa_authorization_on_file'
      ? 'This topic requires a HIPAA marketing authorization: contacts without one on file will not receive it, whatever this import records.'
      : topic?.kind === 'marketing' && form.basis === 'existing_relationship_transactional'
        ? 'An existing relationship is not a basis for marketing e-mail. Choose a transactional topic, or another basis.'
        : undefined;
  const attestationProblem = problems['consent.attestation'];

  return (
    <Stack spacing={3} data-testid="consent-step" sx={{ maxWidth: 760 }}>
      <TextField
        select
        label="Topic"
        value={form.topic}
        onChange={(event) => onChange(rewrite({ topic: event.target.value }))}
        error={Boolean(problems['consent.topic'] ?? problems.topic)}
        helperText={problems['consent.topic'] ?? problems.topic ?? 'What the people in this file agreed to receive'}
        required
        slotProps={{ htmlInput: { 'data-testid': 'consent-topic' } }}
      >
        {active.length === 0 && (
          <MenuItem value="" disabled>
            No topic yet: create one under Topics first
          </MenuItem>
        )}
        {active.map((t) => (
          <MenuItem key={t.key} value={t.key}>
            {t.name} ({t.kind === 'marketing' ? 'marketing' : 'transactional'})
          </MenuItem>
        ))}
      </TextField>

      <FormControl error={Boolean(problems['consent.basis'])}>
        <FormLabel id="consent-basis-label">Basis</FormLabel>
        <RadioGroup
          aria-labelledby="consent-basis-label"
          value={form.basis}
          onChange={(event) => onChange(rewrite({ basis: event.target.value as ImportBasis }))}
        >
          {BASES.map((basis) => (
            <FormControlLabel
              key={basis.id}
              value={basis.id}
              control={<Radio size="small" />}
              label={
                <span>
                  <Typography variant="body2" component="span" sx={{ fontWeight: 500 }}>
                    {basis.name}
                  </Typography>
                  <Typography variant="body2" component="span" color="text.secondary">
                    {' '}
                    — {basis.description}
                  </Typography>
                </span>
              }
            />
          ))}
        </RadioGroup>
        {problems['consent.basis'] && <FormHelperText>{problems['consent.basis']}</FormHelperText>}
      </FormControl>

      {warning && (
        <Alert severity="warning" data-testid="consent-warning">
          {warning}
        </Alert>
      )}

      <FormControl error={Boolean(problems.onExisting)}>
        <FormLabel id="on-existing-label">Contacts already here (same e-mail address)</FormLabel>
        <RadioGroup
          aria-labelledby="on-existing-label"
          value={form.onExisting}
          onChange={(event) => onChange({ ...form, onExisting: event.target.value as 'update' | 'skip' })}
        >
          <FormControlLabel value="update" control={<Radio size="small" />} label="Update them with the file’s values (empty cells keep what is stored)" />
          <FormControlLabel value="skip" control={<Radio size="small" />} label="Leave them unchanged" />
        </RadioGroup>
        {problems.onExisting && <FormHelperText>{problems.onExisting}</FormHelperText>}
      </FormControl>

      <Stack spacing={1}>
        <TextField
          label="Attestation"
          value={form.attestation}
          onChange={(event) => onChange({ ...form, attestation: event.target.value, edited: true, confirmed: false })}
          multiline
          minRows={3}
          required
          error={Boolean(attestationProblem)}
          helperText={
            attestationProblem ?? 'Adapt it to what is true. It is stored with your name and the time, as the evidence of consent for every contact imported.'
          }
          slotProps={{ htmlInput: { maxLength: ATTESTATION_MAX, 'data-testid': 'consent-attestation' } }}
        />
        <FormControlLabel
          control={
            <Checkbox
              checked={form.confirmed}
              onChange={(event) => onChange({ ...form, confirmed: event.target.checked })}
              slotProps={{ input: { 'aria-describedby': 'attest-help' } as React.InputHTMLAttributes<HTMLInputElement> }}
              data-testid="attest-checkbox"
            />
          }
          label="I confirm this attestation is true for every person in this file"
        />
        <Typography id="attest-help" variant="caption" color="text.secondary">
          Importing people who did not consent exposes them to unwanted mail and your organization to penalties. If unsure, remove them from the file.
        </Typography>
      </Stack>
    </Stack>
  );
}

/** Ready to send: a topic, an attestation of a sensible length, and the box ticked. */
export const consentReady = (form: ConsentForm): boolean =>
  Boolean(form.topic) && form.confirmed && form.attestation.trim().length >= ATTESTATION_MIN && form.attestation.length <= ATTESTATION_MAX;
