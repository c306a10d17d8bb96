import type { ResourceProps } from 'react-admin';

/**
 * One folder per resource (`contacts/`, `campaigns/`…), each exporting
 * `{ name, list, show, edit, create, icon }`; App renders a <Resource> for each entry.
 */
export const resources: ResourceProps[] = [];
