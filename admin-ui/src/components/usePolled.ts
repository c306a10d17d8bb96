import { useEffect, useState } from 'react';

/** Loads with `load`, again every `intervalMs` while `live` (and whenever `key` changes); aborted on unmount. */
export function usePolled<T>(load: (signal: AbortSignal) => Promise<T>, key: string, intervalMs: number | false): { data: T | undefined; error: unknown } {
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown }>({ key });
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      load(controller.signal).then(
        (data) => {
          if (controller.signal.aborted) return;
          setState({ key, data });
          if (intervalMs) timer = setTimeout(run, intervalMs);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setState({ key, error });
        },
      );
    };
    run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // `load` is recreated on each render; `key` says when what it loads changed.
  }, [key, intervalMs]);
  return state.key === key ? { data: state.data, error: state.error } : { data: undefined, error: undefined };
}
