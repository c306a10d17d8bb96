import { useLogoutIfAccessDenied, useNotify } from 'react-admin';

export const errorText = (error: unknown, fallback: string) => (error instanceof Error && error.message ? error.message : fallback);

/** Runs an intervention and says how it went; a lapsed session signs out. Resolves true when it succeeded. */
export function useQueueAction() {
  const notify = useNotify();
  const logoutIfAccessDenied = useLogoutIfAccessDenied();
  return async (work: () => Promise<unknown>, done: string, failed: string): Promise<boolean> => {
    try {
      await work();
      notify(done, { type: 'info' });
      return true;
    } catch (cause) {
      if (!(await logoutIfAccessDenied(cause))) notify(errorText(cause, failed), { type: 'error' });
      return false;
    }
  };
}
