import { Edit, SaveButton, SimpleForm, Toolbar, useNotify, useRecordContext, useRedirect } from 'react-admin';

import type { TopicRecord } from '../../providers/dataProvider';
import { TopicInputs } from './TopicInputs';

function TopicTitle() {
  const topic = useRecordContext<TopicRecord>();
  return <>{topic ? `Edit “${topic.name}”` : 'Edit topic'}</>;
}

function TopicEditToolbar() {
  // Archived, never deleted: the consent ledger refers to it.
  return (
    <Toolbar>
      <SaveButton />
    </Toolbar>
  );
}

export function TopicEdit() {
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Edit<TopicRecord>
      mutationMode="pessimistic"
      title={<TopicTitle />}
      mutationOptions={{
        onSuccess: (topic: TopicRecord) => {
          notify(`Topic “${topic.name}” updated`, { type: 'success' });
          redirect('list', 'topics');
        },
      }}
    >
      <SimpleForm toolbar={<TopicEditToolbar />} sx={{ maxWidth: 720 }}>
        <TopicInputs />
      </SimpleForm>
    </Edit>
  );
}
