import AutoDelete from '@mui/icons-material/AutoDelete';
import type { ResourceProps } from 'react-admin';

import { RetentionPage } from './RetentionPage';

/** Compliance → Retention: one page with the policy, dry runs, runs on demand and the runs so far. */
export const retention: ResourceProps = { name: 'retention', list: RetentionPage, icon: AutoDelete, options: { label: 'Retention' } };
