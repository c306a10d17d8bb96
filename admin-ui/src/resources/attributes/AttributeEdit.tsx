import { Edit, SaveButton, SimpleForm, Toolbar, useNotify, useRecordContext, useRedirect } from 'react-admin';

import type { AttributeRecord } from '../../providers/dataProvider';
import { AttributeEditInputs } from './AttributeInputs';

function AttributeTitle() {
  const attribute = useRecordContext<AttributeRecord>();
  return <>{attribute ? `Edit “${attribute.label}”` : 'Edit attribute'}</>;
}

function AttributeEditToolbar() {
  // Archived, never deleted: contacts may hold values for it.
  return (
    <Toolbar>
      <SaveButton />
    </Toolbar>
  );
}

export function AttributeEdit() {
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Edit<AttributeRecord>
      mutationMode="pessimistic"
      title={<AttributeTitle />}
      mutationOptions={{
        onSuccess: (attribute: AttributeRecord) => {
          notify(`Attribute “${attribute.label}” updated`, { type: 'success' });
          redirect('list', 'attributes');
        },
      }}
    >
      <SimpleForm toolbar={<AttributeEditToolbar />} sx={{ maxWidth: 640 }}>
        <AttributeEditInputs />
      </SimpleForm>
    </Edit>
  );
}
