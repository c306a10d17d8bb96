import { Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField } from '@mui/material';
import { useState } from 'react';
import { EditButton, useCanAccess, useNotify } from 'react-admin';

import { ConfirmButton } from '../../components/ConfirmButton';
import { type CampaignAction, type CampaignRecord, campaignsApi } from '../../providers/campaignsApi';

/** Approve or reject with a note for the author. */
function ReviewButton({ campaign, decision, onDone }: { campaign: CampaignRecord; decision: 'approve' | 'reject'; onDone: (c: CampaignRecord) => void }) {
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    try {
      onDone(await campaignsApi.act(campaign.id, decision, note || undefined));
      setOpen(false);
      notify(decision === 'approve' ? 'Campaign approved' : 'Campaign sent back to its author', { type: 'info' });
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The review could not be recorded', { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button
        variant={decision === 'approve' ? 'contained' : 'outlined'}
        color={decision === 'approve' ? 'success' : 'warning'}
        onClick={() => setOpen(true)}
        data-testid={`campaign-${decision}`}
      >
        {decision === 'approve' ? 'Approve' : 'Reject'}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="sm">
        <DialogTitle>{decision === 'approve' ? `Approve “${campaign.name}”?` : `Send “${campaign.name}” back for changes?`}</DialogTitle>
        <DialogContent>
          <TextField
            label={decision === 'approve' ? 'Note (optional)' : 'What needs to change'}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            fullWidth
            multiline
            minRows={2}
            sx={{ mt: 1 }}
            slotProps={{ htmlInput: { 'data-testid': 'review-note', maxLength: 1000 } }}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Close</Button>
          <Button onClick={() => void submit()} disabled={busy || (decision === 'reject' && !note.trim())} variant="contained" data-testid="review-confirm">
            {decision === 'approve' ? 'Approve' : 'Reject'}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

/** The workflow buttons the campaign's status and the user's permissions allow. */
export function CampaignActions({ campaign, onChange }: { campaign: CampaignRecord; onChange: (c: CampaignRecord) => void }) {
  const notify = useNotify();
  const { canAccess: canManage } = useCanAccess({ resource: 'campaigns', action: 'edit' });
  const { canAccess: canApprove } = useCanAccess({ resource: 'campaigns', action: 'approve' });
  const act = (action: CampaignAction, message: string) => async () => {
    try {
      onChange(await campaignsApi.act(campaign.id, action));
      notify(message, { type: 'info' });
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The action failed', { type: 'error' });
    }
  };
  const button = (action: CampaignAction, label: string, message: string, variant: 'contained' | 'outlined' = 'outlined') => (
    <Button key={action} variant={variant} onClick={() => void act(action, message)()} data-testid={`campaign-${action}`}>
      {label}
    </Button>
  );
  const s = campaign.status;
  const cancellable = s !== 'sent' && s !== 'cancelled';
  return (
    <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }} data-testid="campaign-actions">
      {canManage && s === 'draft' && <EditButton record={campaign} />}
      {canManage && s === 'draft' && button('submit', 'Submit for approval', 'Submitted for approval', 'contained')}
      {canManage && s === 'submitted' && button('withdraw', 'Withdraw', 'Back to draft')}
      {canApprove && s === 'submitted' && <ReviewButton campaign={campaign} decision="approve" onDone={onChange} />}
      {canApprove && s === 'submitted' && <ReviewButton campaign={campaign} decision="reject" onDone={onChange} />}
      {canManage && s === 'approved' && button('schedule', campaign.schedule.kind === 'now' ? 'Send now' : 'Schedule', 'Campaign scheduled', 'contained')}
      {canManage && (s === 'scheduled' || s === 'sending') && button('pause', 'Pause', 'Paused: nothing more leaves until you resume')}
      {canManage && s === 'paused' && button('resume', 'Resume', 'Resumed', 'contained')}
      {canManage && cancellable && (
        <ConfirmButton
          label="Cancel campaign"
          color="error"
          variant="outlined"
          size="medium"
          title={`Cancel “${campaign.name}”?`}
          content="Messages not yet handed to a mail server will never be sent. This cannot be undone."
          confirmLabel="Cancel campaign"
          onConfirm={act('cancel', 'Campaign cancelled')}
          data-testid="campaign-cancel"
        />
      )}
    </Stack>
  );
}
