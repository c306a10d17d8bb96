import Campaign from '@mui/icons-material/Campaign';
import type { ResourceProps } from 'react-admin';

import { CampaignList } from './CampaignList';
import { CampaignShow } from './CampaignShow';
import { CampaignCreate, CampaignEdit } from './CampaignWizard';

/** Campaigns: the wizard (audience, content, schedule, review), approval, live progress and the report. */
export const campaigns: ResourceProps = {
  name: 'campaigns',
  list: CampaignList,
  show: CampaignShow,
  create: CampaignCreate,
  edit: CampaignEdit,
  icon: Campaign,
  options: { label: 'Campaigns' },
  recordRepresentation: 'name',
};
