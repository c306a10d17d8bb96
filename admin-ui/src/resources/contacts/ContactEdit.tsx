import { Edit, SaveButton, SimpleForm, Toolbar, useGetList, useNotify, useRedirect } from 'react-admin';

import type { AttributeRecord, ContactRecord } from '../../providers/dataProvider';
import { ContactInputs, editPayload } from './ContactInputs';
import { contactName } from './ContactShow';

function ContactEditToolbar() {
  // No delete here: erasure is its own, strongly confirmed action on the contact's page.
  return (
    <Toolbar>
      <SaveButton />
    </Toolbar>
  );
}

/**
 * Updates a contact without reading its PHI: the form starts from the masked record, so PHI
 * inputs are empty and only what is typed is sent (PATCH of the changed fields). Saved
 * pessimistically, so nothing typed reaches react-admin's cache: only the server's masked answer.
 */
export function ContactEdit() {
  const notify = useNotify();
  const redirect = useRedirect();
  const { data: attributes } = useGetList<AttributeRecord>('attributes', { pagination: { page: 1, perPage: 500 } });
  const phiAttributes = new Set((attributes ?? []).filter((attribute) => attribute.isPhi).map((attribute) => attribute.key));
  return (
    <Edit<ContactRecord>
      mutationMode="pessimistic"
      title="Edit contact"
      transform={(data: Record<string, unknown>, options?: { previousData?: ContactRecord }) =>
        options?.previousData ? editPayload(data, options.previousData, phiAttributes) : data
      }
      mutationOptions={{
        onSuccess: (contact: ContactRecord) => {
          notify(`${contactName(contact)} updated`, { type: 'success' });
          redirect('show', 'contacts', contact.id);
        },
      }}
    >
      <SimpleForm toolbar={<ContactEditToolbar />} sx={{ maxWidth: 1000 }}>
        <ContactInputs writeOnly />
      </SimpleForm>
    </Edit>
  );
}
