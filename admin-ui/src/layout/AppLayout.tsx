import type { ReactNode } from 'react';
import { Layout, Loading, useGetIdentity } from 'react-admin';

import { ChoosePasswordPage } from '../auth/ChoosePasswordPage';
import { AppBar } from './AppBar';
import { AppMenu } from './AppMenu';

/**
 * The signed-in frame. An account still on its temporary password gets the "Choose a new
 * password" page instead, whatever route was asked for: no page, and so no data request, opens
 * before the password is changed.
 */
export function AppLayout({ children }: { children: ReactNode }) {
  const { identity, isPending, refetch } = useGetIdentity();
  if (isPending) return <Loading />;
  if (identity?.mustChangePassword === true) return <ChoosePasswordPage onDone={() => void refetch()} />;
  return (
    <Layout appBar={AppBar} menu={AppMenu}>
      {children}
    </Layout>
  );
}
