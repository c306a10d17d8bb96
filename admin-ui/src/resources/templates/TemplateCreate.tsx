import { Create, maxLength, RadioButtonGroupInput, required, SelectInput, SimpleForm, TextInput, useNotify, useRedirect } from 'react-admin';

import type { TemplateCategory, TemplateRecord } from '../../providers/dataProvider';
import { findStarter, STARTERS } from './starters';
import { CATEGORY_CHOICES } from './TemplateChips';

interface CreateForm {
  name: string;
  category: TemplateCategory;
  starter?: string;
}

const STARTER_CHOICES = STARTERS.map((s) => ({ id: s.key, name: `${s.name} (${s.category})` }));

/** The starter's content goes in the create body; without one the backend starts from a blank page. */
function withStarter({ starter, ...data }: CreateForm) {
  const found = findStarter(starter);
  return found ? { ...data, subject: found.subject, preheader: found.preheader, mjml: found.mjml } : data;
}

export function TemplateCreate() {
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Create<TemplateRecord>
      title="New template"
      transform={(data: CreateForm) => withStarter(data)}
      mutationOptions={{
        onSuccess: (template: TemplateRecord) => {
          notify(`Template “${template.name}” created`, { type: 'success' });
          redirect('edit', 'templates', template.id);
        },
      }}
    >
      <SimpleForm sx={{ maxWidth: 720 }} defaultValues={{ category: 'marketing' }}>
        <TextInput
          source="name"
          label="Name"
          validate={[required(), maxLength(200)]}
          helperText="For your team; recipients never see it"
          sx={{ maxWidth: 480 }}
          fullWidth
        />
        <RadioButtonGroupInput
          source="category"
          label="Category"
          choices={CATEGORY_CHOICES}
          validate={required()}
          helperText="Marketing e-mails must carry an unsubscribe link and the postal address (CAN-SPAM)"
        />
        <SelectInput
          source="starter"
          label="Start from a starter"
          choices={STARTER_CHOICES}
          emptyText="Blank page"
          helperText="Copies the starter's MJML, subject and preheader into the first draft"
          sx={{ minWidth: 360 }}
        />
      </SimpleForm>
    </Create>
  );
}
