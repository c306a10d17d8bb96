import { useAuthProvider } from 'react-admin';

import type { HipaaAuthProvider } from '../providers/authProvider';

/** The app's authProvider with its MFA methods, typed. */
export function useHipaaAuth(): HipaaAuthProvider {
  const authProvider = useAuthProvider<HipaaAuthProvider>();
  if (!authProvider) throw new Error('useHipaaAuth must be used inside <Admin authProvider>');
  return authProvider;
}

/** The text to show for a failed call: the backend's message, never internals. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Please try again.';
}
