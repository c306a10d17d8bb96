import { Alert } from '@mui/material';
import { Create, SimpleForm, useNotify, useRedirect } from 'react-admin';

import type { ContactRecord } from '../../providers/dataProvider';
import { ContactInputs, createPayload } from './ContactInputs';
import { contactName } from './ContactShow';

/**
 * Adds one contact. What is typed is sent once and then shown only masked; the server's field
 * errors appear on the inputs. Consent is recorded separately, from the contact's page.
 */
export function ContactCreate() {
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Create<ContactRecord>
      title="New contact"
      transform={(data: Record<string, unknown>) => createPayload(data)}
      mutationOptions={{
        onSuccess: (contact: ContactRecord) => {
          notify(`${contactName(contact)} added`, { type: 'success' });
          redirect('show', 'contacts', contact.id);
        },
      }}
    >
      <SimpleForm sx={{ maxWidth: 1000 }}>
        <Alert severity="info" sx={{ mb: 2, width: '100%' }}>
          Every field but the address is optional. Once saved, the values are encrypted and shown masked; consent to receive e-mail is recorded on the contact’s
          page.
        </Alert>
        <ContactInputs />
      </SimpleForm>
    </Create>
  );
}
