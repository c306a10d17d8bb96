import Topic from '@mui/icons-material/Topic';
import type { ResourceProps } from 'react-admin';

import { TopicCreate } from './TopicCreate';
import { TopicEdit } from './TopicEdit';
import { TopicList } from './TopicList';

/** What contacts consent to; archived, never deleted. */
export const topics: ResourceProps = {
  name: 'topics',
  list: TopicList,
  create: TopicCreate,
  edit: TopicEdit,
  icon: Topic,
  recordRepresentation: 'name',
};
