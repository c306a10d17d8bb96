import Visibility from '@mui/icons-material/Visibility';
import VisibilityOff from '@mui/icons-material/VisibilityOff';
import { Alert, Box, Button, Card, CardContent, CircularProgress, Stack, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { useState } from 'react';
import { useCanAccess, useDataProvider, useGetList, useNotify, useRecordContext } from 'react-admin';

import type { AttributeRecord, AttributeValue, ContactPhi, ContactRecord, HipaaDataProvider } from '../../providers/dataProvider';
import { PhiFieldChips } from './ContactChips';
import { CODE_SYSTEM_CHOICES, fieldLabel, IDENTIFIER_KIND_CHOICES, INSURANCE_CHOICES, SEX_CHOICES } from './contactFields';

export function formatAttributeValue(value: AttributeValue): string {
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

const choiceName = (choices: ReadonlyArray<{ id: string; name: string }>, id: string): string => choices.find((c) => c.id === id)?.name ?? id;

/** One revealed field as text; lists one item a line. */
function phiValue(phi: ContactPhi, field: keyof ContactPhi, attributeLabel: (key: string) => string): string[] {
  switch (field) {
    case 'sex':
      return phi.sex ? [choiceName(SEX_CHOICES, phi.sex)] : [];
    case 'insuranceStatus':
      return phi.insuranceStatus ? [choiceName(INSURANCE_CHOICES, phi.insuranceStatus)] : [];
    case 'identifiers':
      return (phi.identifiers ?? []).map((i) => `${choiceName(IDENTIFIER_KIND_CHOICES, i.kind)} (${i.system}): ${i.value}`);
    case 'conditions':
      return (phi.conditions ?? []).map((c) => `${choiceName(CODE_SYSTEM_CHOICES, c.system)} ${c.code}${c.display ? ` — ${c.display}` : ''}`);
    case 'attributes':
      return Object.entries(phi.attributes ?? {}).map(([key, value]) => `${attributeLabel(key)}: ${formatAttributeValue(value)}`);
    case 'email':
    case 'firstName':
    case 'lastName':
    case 'birthDate':
    case 'phone':
    case 'postalCode':
    case 'state':
    case 'lastVisitDate':
    case 'nextVisitDate':
    case 'visitCount12m':
    case 'visitSummary':
    case 'insurancePlan':
    case 'primaryProvider': {
      const value = phi[field];
      return value === undefined ? [] : [String(value)];
    }
  }
}

const PHI_ORDER: ReadonlyArray<keyof ContactPhi> = [
  'email',
  'firstName',
  'lastName',
  'birthDate',
  'sex',
  'phone',
  'postalCode',
  'state',
  'identifiers',
  'conditions',
  'lastVisitDate',
  'nextVisitDate',
  'visitCount12m',
  'visitSummary',
  'insuranceStatus',
  'insurancePlan',
  'primaryProvider',
  'attributes',
];

function RevealedTable({ phi }: { phi: ContactPhi }) {
  const { data: attributes } = useGetList<AttributeRecord>('attributes', { pagination: { page: 1, perPage: 500 } });
  const attributeLabel = (key: string) => attributes?.find((a) => a.key === key)?.label ?? key;
  const rows = PHI_ORDER.map((field) => ({ field, lines: phiValue(phi, field, attributeLabel) })).filter((row) => row.lines.length > 0);
  return (
    <Table size="small" aria-label="Revealed protected health information" data-testid="revealed-phi">
      <TableBody>
        {rows.map(({ field, lines }) => (
          <TableRow key={field} data-field={field}>
            <TableCell component="th" scope="row" sx={{ width: 200, color: 'text.secondary', verticalAlign: 'top' }}>
              {fieldLabel(field)}
            </TableCell>
            <TableCell sx={{ wordBreak: 'break-word' }}>
              {lines.map((line, i) => (
                <div key={i}>{line}</div>
              ))}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/**
 * The contact's PHI: masked by default (which fields hold a value), revealed on request for
 * those with phi:reveal. Each reveal is audited by the server. The revealed values live in this
 * component's state only (no react-admin or react-query cache, no browser storage) and are
 * dropped when the panel is hidden or the page is left.
 */
export function ContactPhiPanel() {
  const contact = useRecordContext<ContactRecord>();
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const { canAccess: canReveal } = useCanAccess({ resource: 'contacts', action: 'reveal' });
  const [phi, setPhi] = useState<{ id: string; phi: ContactPhi } | undefined>();
  const [busy, setBusy] = useState(false);
  if (!contact) return null;
  // A reveal belongs to the contact it was made for (the page may switch records).
  const revealed = phi?.id === contact.id ? phi.phi : undefined;

  const reveal = async () => {
    setBusy(true);
    try {
      const { data } = await dataProvider.revealContact(contact.id);
      // A refused call resolves empty once the auth provider has said why.
      if (data.phi) setPhi({ id: contact.id, phi: data.phi });
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The record could not be revealed.', { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card variant="outlined" data-testid="phi-panel">
      <CardContent>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 1 }}>
          <Typography variant="subtitle1" component="h3" sx={{ flex: 1 }}>
            Protected health information
          </Typography>
          {contact.status === 'active' && canReveal && !revealed && (
            <Button
              size="small"
              variant="outlined"
              startIcon={busy ? <CircularProgress size={16} /> : <Visibility />}
              disabled={busy}
              onClick={() => void reveal()}
              data-testid="reveal-phi"
            >
              Reveal PHI
            </Button>
          )}
          {revealed && (
            <Button size="small" startIcon={<VisibilityOff />} onClick={() => setPhi(undefined)} data-testid="hide-phi">
              Hide
            </Button>
          )}
        </Stack>
        {revealed ? (
          <Stack spacing={1.5}>
            <Alert severity="info" variant="outlined" data-testid="reveal-audited">
              This reveal is recorded in the audit log under your name. The values are not kept once you hide them or leave this page.
            </Alert>
            <RevealedTable phi={revealed} />
          </Stack>
        ) : (
          <Box>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
              {contact.status === 'erased'
                ? 'This contact was erased: no PHI is held any more.'
                : canReveal
                  ? 'Values are hidden. Reveal them only when you need them; each reveal is audited.'
                  : 'Values are hidden. Your role can update them but not read them.'}
            </Typography>
            <PhiFieldChips fields={contact.phiFields} />
          </Box>
        )}
      </CardContent>
    </Card>
  );
}
