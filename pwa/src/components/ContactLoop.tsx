import { useEffect, useRef } from 'preact/hooks';
import { askAbout, forgetCall, logCallResult, notice, resumeAfterColdStart, undo, UNDO_MS, visibilityChanged } from '../data/contacts';
import { t, tCode } from '../i18n';

/** The outcomes a call most often has, one tap each; anything else goes through the form. */
export const CALL_OUTCOMES = ['reached', 'interested', 'follow_up', 'not_reached', 'declined'] as const;

/** "刚才的通话结果？": asked when the RM comes back to the app after a call started from it. */
export function CallResultSheet() {
  useEffect(() => {
    resumeAfterColdStart();
    const onVisibility = () => visibilityChanged(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, []);
  const call = askAbout.value;
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), [call]);
  if (!call) return null;
  const visitHref = `/customers/${call.customerId}/visit?name=${encodeURIComponent(call.name)}&channel=call`
    + (call.planEntryId ? `&entry=${call.planEntryId}` : '');
  return (
    <div class="sheet-backdrop">
      <section class="sheet" role="dialog" aria-modal="true" aria-labelledby="call-result-title" data-testid="call-result">
        <h2 id="call-result-title">{t('call.resultTitle')}</h2>
        <p class="muted">{call.name}</p>
        <div class="outcome-grid">
          {CALL_OUTCOMES.map((o, i) => (
            <button key={o} ref={i === 0 ? first : undefined} type="button" class={i === 0 ? 'btn primary' : 'btn'}
              onClick={() => void logCallResult(call, o, t('call.logged', { name: call.name, outcome: tCode('outcome', o) }))}>
              {tCode('outcome', o)}
            </button>
          ))}
        </div>
        <p class="sheet-links">
          <a href={visitHref} class="text-link" onClick={() => forgetCall()}>{t('call.moreDetail')}</a>
          <button type="button" class="btn small" onClick={() => forgetCall()}>{t('call.notNow')}</button>
        </p>
      </section>
    </div>
  );
}

/** The confirmation of a one-tap write, with Undo while the write is held on the device. */
export function NoticeBar() {
  const current = notice.value;
  useEffect(() => {
    if (!current) return;
    const timer = setTimeout(() => {
      if (notice.value?.id === current.id) notice.value = null;
    }, UNDO_MS);
    return () => clearTimeout(timer);
  }, [current?.id]);
  if (!current) return null;
  return (
    <div class="notice-bar" role="status" data-testid="notice">
      <span>{current.text}</span>
      {current.undoable && (
        <button type="button" class="btn small" onClick={async () => {
          const taken = await undo(current.id);
          notice.value = { id: `${current.id}-undo`, text: taken ? t('call.undone') : t('call.tooLate'), undoable: false };
        }}>{t('call.undo')}</button>
      )}
    </div>
  );
}
