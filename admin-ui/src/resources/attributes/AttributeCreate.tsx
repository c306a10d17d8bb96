import { Create, SimpleForm, useNotify, useRedirect } from 'react-admin';

import type { AttributeRecord } from '../../providers/dataProvider';
import { hasOptions } from './attributeTypes';
import { AttributeCreateInputs } from './AttributeInputs';

export function AttributeCreate() {
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Create<AttributeRecord>
      title="New custom attribute"
      // Options only mean something for the list types; a stale list from a type switched away is dropped.
      transform={(data: Partial<AttributeRecord>) => (hasOptions(data.type) ? data : { ...data, options: undefined })}
      mutationOptions={{
        onSuccess: (attribute: AttributeRecord) => {
          notify(`Attribute “${attribute.label}” created`, { type: 'success' });
          redirect('list', 'attributes');
        },
      }}
    >
      <SimpleForm sx={{ maxWidth: 640 }}>
        <AttributeCreateInputs />
      </SimpleForm>
    </Create>
  );
}
