import { Create, SimpleForm, useNotify, useRedirect } from 'react-admin';

import type { TopicRecord } from '../../providers/dataProvider';
import { TopicInputs } from './TopicInputs';

export function TopicCreate() {
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Create<TopicRecord>
      title="New topic"
      mutationOptions={{
        onSuccess: (topic: TopicRecord) => {
          notify(`Topic “${topic.name}” created`, { type: 'success' });
          redirect('list', 'topics');
        },
      }}
    >
      <SimpleForm sx={{ maxWidth: 720 }} defaultValues={{ kind: 'marketing' }}>
        <TopicInputs create />
      </SimpleForm>
    </Create>
  );
}
