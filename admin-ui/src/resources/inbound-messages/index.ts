import Input from '@mui/icons-material/Input';
import type { ResourceProps } from 'react-admin';

import { InboundMessageList } from './InboundMessageList';
import { InboundMessageShow } from './InboundMessageShow';

/** The integrations page: endpoints and EHR mapping, inbound FHIR and HL7 messages with their outcome, dead letters with reprocess. */
export const inboundMessages: ResourceProps = {
  name: 'inbound-messages',
  list: InboundMessageList,
  show: InboundMessageShow,
  icon: Input,
};
