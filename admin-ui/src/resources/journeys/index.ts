import Route from '@mui/icons-material/Route';
import type { ResourceProps } from 'react-admin';

import { JourneyBuilder } from './JourneyBuilder';
import { JourneyCreate } from './JourneyCreate';
import { JourneyList } from './JourneyList';

/** Journeys: the list, and the builder (nodes, settings, validation, publish and pause, figures per node). */
export const journeys: ResourceProps = {
  name: 'journeys',
  list: JourneyList,
  create: JourneyCreate,
  // One page to read and to edit: who may not manage journeys sees the builder read-only.
  show: JourneyBuilder,
  icon: Route,
  options: { label: 'Journeys' },
  recordRepresentation: 'name',
};
