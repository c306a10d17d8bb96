import QueueIcon from '@mui/icons-material/Queue';
import type { ResourceProps } from 'react-admin';

import { QueuesPage } from './QueuesPage';

/** The BullMQ queue dashboard: one page (counts, jobs, retry, remove, pause), for administrators. */
export const queues: ResourceProps = { name: 'queues', list: QueuesPage, icon: QueueIcon, options: { label: 'Queues' } };
