import RemoveCircleOutline from '@mui/icons-material/RemoveCircleOutline';
import { useCanAccess, useDelete, useNotify, useRecordContext, useRefresh } from 'react-admin';

import { ConfirmButton } from '../../components/ConfirmButton';
import type { SuppressionRecord } from '../../providers/dataProvider';

/** Lifts a suppression. Mail can then go again to the address, within its consent. */
export function RemoveSuppressionButton() {
  const suppression = useRecordContext<SuppressionRecord>();
  const { canAccess } = useCanAccess({ resource: 'suppressions', action: 'delete', record: suppression });
  const [remove] = useDelete<SuppressionRecord>();
  const notify = useNotify();
  const refresh = useRefresh();
  if (!suppression || !canAccess) return null;

  const confirm = () =>
    new Promise<void>((resolve) => {
      void remove(
        'suppressions',
        { id: suppression.id, previousData: suppression },
        {
          mutationMode: 'pessimistic',
          onSuccess: () => {
            notify('Suppression removed', { type: 'success' });
            refresh();
            resolve();
          },
          onError: (error) => {
            notify(error instanceof Error ? error.message : 'The suppression could not be removed.', { type: 'error' });
            resolve();
          },
        },
      );
    });

  return (
    <ConfirmButton
      label="Remove"
      icon={<RemoveCircleOutline />}
      color="warning"
      title="Remove this suppression?"
      content={
        suppression.reason === 'complaint' || suppression.reason === 'hard_bounce'
          ? 'This address bounced or complained. Mail may go to it again once removed: do it only if you know the problem is fixed.'
          : 'Mail may go to this address again, within the consent it has. The removal is recorded in the audit log.'
      }
      confirmLabel="Remove"
      data-testid="remove-suppression"
      onConfirm={confirm}
    />
  );
}
