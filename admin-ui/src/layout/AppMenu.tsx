import { Menu } from 'react-admin';

/** Dashboard first, then every resource the user may list (react-admin asks canAccess). */
export function AppMenu() {
  return (
    <Menu>
      <Menu.DashboardItem />
      <Menu.ResourceItems />
    </Menu>
  );
}
