import { BooleanInput, Create, required, SimpleForm, TextInput, useNotify, useRedirect } from 'react-admin';

import { matches } from '../../components/validators';
import type { SendingDomainRecord } from '../../providers/dataProvider';

const DOMAIN = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const SELECTOR = /^[a-z0-9][a-z0-9-]{0,62}$/i;

/** Adds a sending domain: the backend generates its DKIM key (RSA-2048, stored encrypted); the next page shows the DNS records. */
export function SendingDomainCreate() {
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Create<SendingDomainRecord>
      title="New sending domain"
      mutationOptions={{
        onSuccess: (domain: SendingDomainRecord) => {
          notify(`Sending domain ${domain.domain} added: publish its DNS records`, { type: 'success' });
          redirect('show', 'sending-domains', domain.id);
        },
      }}
    >
      <SimpleForm sx={{ maxWidth: 720 }} defaultValues={{ isDefault: false }}>
        <TextInput
          source="domain"
          label="Domain"
          helperText="The domain of your From address, e.g. news.example.org"
          validate={[required(), matches(DOMAIN, 'Expected a domain name such as news.example.org')]}
          parse={(value: string) => value.trim().toLowerCase()}
          fullWidth
        />
        <TextInput
          source="selector"
          label="DKIM selector (optional)"
          helperText="Letters, digits and -; by default hm plus the year and month"
          validate={matches(SELECTOR, 'Letters, digits and - only')}
          parse={(value: string) => value.trim() || undefined}
        />
        <BooleanInput source="isDefault" label="Default sending domain" />
      </SimpleForm>
    </Create>
  );
}
