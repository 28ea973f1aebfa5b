import { t, dateTime } from '../i18n';

export function Skeleton({ rows = 6 }: { rows?: number }) {
  return (
    <div class="skeleton" aria-busy="true" aria-live="polite">
      <span class="visually-hidden">{t('state.loading')}</span>
      {Array.from({ length: rows }, (_, i) => <div key={i} class="skeleton-row" />)}
    </div>
  );
}

export function ErrorState({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="state error" role="alert">
      <p>{message}</p>
      {onRetry && <button type="button" class="btn" onClick={onRetry}>{t('state.retry')}</button>}
    </div>
  );
}

export function Empty({ message }: { message: string }) {
  return <div class="state empty"><p>{message}</p></div>;
}

export function AsOf({ asOf, offline }: { asOf: number; offline: boolean }) {
  return <p class={offline ? 'as-of stale' : 'as-of'} data-testid="as-of">{t('state.asOf', { time: dateTime(asOf) })}</p>;
}
