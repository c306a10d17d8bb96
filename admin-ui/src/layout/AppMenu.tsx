import { ListSubheader } from '@mui/material';
import { Menu, useCanAccessResources, useSidebarState } from 'react-admin';

/** The menu's sections, each listing resources by name in the order shown. */
const SECTIONS: ReadonlyArray<{ label: string; resources: readonly string[] }> = [
  { label: 'Audience', resources: ['contacts', 'imports', 'segments', 'topics', 'attributes', 'suppressions'] },
  { label: 'Content', resources: ['templates'] },
  { label: 'Campaigns', resources: ['campaigns', 'journeys'] },
  { label: 'Delivery', resources: ['deliveries', 'domain-tls', 'sending-domains'] },
  { label: 'Integrations', resources: ['inbound-messages', 'webhooks', 'webhook-deliveries'] },
  { label: 'Compliance', resources: ['compliance-reports', 'access-review', 'breach-response', 'retention'] },
  { label: 'Administration', resources: ['users', 'api-keys', 'audit-events', 'key-rotations', 'queues'] },
];

/** A section's heading, shown when the sidebar is open and the user may open one of its entries. */
function Section({ label, resources }: { label: string; resources: readonly string[] }) {
  const [open] = useSidebarState();
  const { canAccess } = useCanAccessResources({ action: 'list', resources: [...resources] });
  const any = canAccess !== undefined && resources.some((resource) => canAccess[resource]);
  return (
    <>
      {open && any && (
        <ListSubheader component="div" disableSticky sx={{ lineHeight: '32px', mt: 1, bgcolor: 'transparent' }} data-testid={`menu-section-${label}`}>
          {label}
        </ListSubheader>
      )}
      {resources.map((resource) => (
        // Each item asks canAccess itself and renders nothing when refused.
        <Menu.ResourceItem key={resource} name={resource} />
      ))}
    </>
  );
}

/** Dashboard first, then the resources the user may list (react-admin asks canAccess), by section. */
export function AppMenu() {
  return (
    <Menu>
      <Menu.DashboardItem />
      {SECTIONS.map((section) => (
        <Section key={section.label} {...section} />
      ))}
    </Menu>
  );
}
