import Groups from '@mui/icons-material/Groups';
import type { ResourceProps } from 'react-admin';

import { SegmentEditor } from './SegmentEditor';
import { SegmentList } from './SegmentList';

/** Saved segments: a rule with its live count, dynamic or frozen, and snapshots of who was in it. */
export const segments: ResourceProps = {
  name: 'segments',
  list: SegmentList,
  create: SegmentEditor,
  edit: SegmentEditor,
  icon: Groups,
  options: { label: 'Segments' },
  recordRepresentation: 'name',
};
