import Groups from '@mui/icons-material/Groups';
import type { ResourceProps } from 'react-admin';

import { SegmentBuilder } from './SegmentBuilder';

/** The segment builder: a rule and its live count. Saving segments is not in the backend yet. */
export const segments: ResourceProps = {
  name: 'segments',
  list: SegmentBuilder,
  icon: Groups,
  options: { label: 'Segments' },
};
