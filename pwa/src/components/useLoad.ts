import { useEffect, useState } from 'preact/hooks';
import { ApiError, OfflineError } from '../data/api';
import { t } from '../i18n';

export type LoadState<T> =
  | { status: 'loading' }
  | { status: 'ready'; value: T }
  | { status: 'error'; message: string; code?: number };

/** Run a data function when deps change; ignore answers that arrive after a newer request. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): [LoadState<T>, () => void] {
  const [state, setState] = useState<LoadState<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => (s.status === 'error' ? { status: 'loading' } : s)); // the same state: no re-draw
    fn().then(
      (value) => current && setState({ status: 'ready', value }),
      (error) => current && setState({ status: 'error', message: describe(error), code: error instanceof ApiError ? error.status : undefined }),
    );
    return () => {
      current = false;
    };
  }, [...deps, attempt]);
  return [state, () => setAttempt((n) => n + 1)];
}

function describe(error: unknown): string {
  if (error instanceof OfflineError) return t('state.offline');
  if (error instanceof ApiError) return error.message;
  return String(error);
}
