// Alerts on this device: the Settings panel and the Today prompt (docs/push.md).
import { useEffect, useState } from 'preact/hooks';
import type { AlertKind, PushPreferences } from '../data/api';
import * as push from '../data/push';
import { user } from '../data/session';
import { t, type MessageKey } from '../i18n';
import { describeError } from './Moments';
import { ErrorState, Skeleton } from './States';
import { useLoad } from './useLoad';

export const ALERT_KINDS: AlertKind[] = ['risk_high', 'risk', 'approval_requested', 'approval_decided', 'renewal_due', 'referral', 'briefing'];

/** The label of an alert kind; unknown kinds read as a plain "alert". */
export function kindLabel(kind: string): string {
  const key = `alertKind.${kind}` as MessageKey;
  return ALERT_KINDS.includes(kind as AlertKind) || kind === 'test' ? t(key) : t('nav.alerts');
}

type Feedback = { ok?: string; error?: string };

/** Run a user action with a busy flag and one line of feedback. */
function useAction(): [boolean, Feedback, (action: () => Promise<string | undefined>) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const [feedback, setFeedback] = useState<Feedback>({});
  async function run(action: () => Promise<string | undefined>) {
    setBusy(true);
    setFeedback({});
    try {
      const ok = await action();
      if (ok) setFeedback({ ok });
    } catch (e) {
      setFeedback({ error: describeError(e) });
    } finally {
      setBusy(false);
    }
  }
  return [busy, feedback, run];
}

/** Turn alerts on: asks the browser's permission, so only ever from a button. */
async function turnOn(): Promise<string | undefined> {
  let state: push.PushState;
  try {
    state = await push.enable();
  } catch (e) {
    throw new Error(t('push.failed', { detail: describeError(e) }));
  }
  return state === 'on' ? t('push.state.on') : t('push.denied');
}

export function PushPanel() {
  const state = push.pushState.value;
  const [busy, feedback, run] = useAction();
  useEffect(() => void push.refreshState(), []);
  return (
    <section class="panel push-panel" aria-labelledby="push-title" data-testid="push-panel">
      <h2 id="push-title">{t('push.title')}</h2>
      <p class="muted">{t('push.help')}</p>
      <p class={`push-state push-${state}`} data-testid="push-state" data-state={state}>
        {t('push.status', { state: t(`push.state.${state}` as MessageKey) })}
      </p>
      <div class="actions">
        {state === 'off' && <button type="button" class="btn primary" disabled={busy} onClick={() => void run(turnOn)}>{t('push.turnOn')}</button>}
        {state === 'on' && (
          <>
            <button type="button" class="btn primary" disabled={busy} onClick={() => void run(async () => { await push.sendTest(); return t('push.testSent'); })}>{t('push.test')}</button>
            <button type="button" class="btn danger" disabled={busy} onClick={() => void run(async () => { await push.disable(); return t('push.state.off'); })}>{t('push.turnOff')}</button>
          </>
        )}
      </div>
      {feedback.ok && <p class="ok" role="status">{feedback.ok}</p>}
      {feedback.error && <p class="form-error" role="alert">{feedback.error}</p>}
      <PushPreferencesForm />
    </section>
  );
}

function PushPreferencesForm() {
  const [loaded, reload] = useLoad(() => push.preferences(), []);
  if (loaded.status === 'loading') return <Skeleton rows={2} />;
  if (loaded.status === 'error') {
    const offline = loaded.message === t('state.offline');
    return <ErrorState message={offline ? t('state.needsOnline') : t('state.error', { detail: loaded.message })} onRetry={reload} />;
  }
  return <PreferencesForm initial={loaded.value} />;
}

function PreferencesForm({ initial }: { initial: PushPreferences }) {
  const [prefs, setPrefs] = useState(initial);
  const [start, setStart] = useState(initial.quiet_start ?? '');
  const [end, setEnd] = useState(initial.quiet_end ?? '');
  const [busy, feedback, run] = useAction();
  const urgent = new Set(prefs.urgent_kinds ?? []);
  const zone = push.deviceTimeZone() ?? prefs.time_zone ?? 'UTC';

  async function save(body: PushPreferences): Promise<string> {
    const saved = await push.savePreferences(body);
    setPrefs(saved);
    return t('push.saved');
  }

  function toggle(kind: AlertKind, on: boolean) {
    const kinds = { ...prefs.kinds, [kind]: on };
    setPrefs({ ...prefs, kinds }); // show the choice at once; a failure says so below
    void run(() => save({ kinds, quiet_start: prefs.quiet_start, quiet_end: prefs.quiet_end }));
  }

  function saveQuiet(e: Event) {
    e.preventDefault();
    if (!start !== !end) {
      void run(() => Promise.reject(new Error(t('push.quietBoth'))));
      return;
    }
    void run(() => save({ kinds: prefs.kinds, quiet_start: start || null, quiet_end: end || null }));
  }

  function clearQuiet() {
    setStart('');
    setEnd('');
    void run(() => save({ kinds: prefs.kinds, quiet_start: null, quiet_end: null }));
  }

  return (
    <div class="push-prefs">
      <fieldset class="push-kinds" data-testid="push-kinds">
        <legend>{t('push.kinds')}</legend>
        {ALERT_KINDS.map((kind) => (
          <label key={kind} class="check">
            <input type="checkbox" name={`kind-${kind}`} checked={prefs.kinds[kind] !== false} disabled={busy}
              onChange={(e) => toggle(kind, e.currentTarget.checked)} aria-describedby={urgent.has(kind) ? `urgent-${kind}` : undefined} />
            <span>
              {kindLabel(kind)}
              {urgent.has(kind) && <span id={`urgent-${kind}`} class="row-sub">{t('push.urgent')}</span>}
            </span>
          </label>
        ))}
      </fieldset>
      <form class="push-quiet" onSubmit={saveQuiet} data-testid="push-quiet">
        <fieldset>
          <legend>{t('push.quiet')}</legend>
          <p class="muted">{t('push.quietHelp', { zone })}</p>
          <div class="quiet-times">
            <label class="stacked">{t('push.quietStart')}
              <input type="time" name="quiet_start" value={start} onInput={(e) => setStart(e.currentTarget.value)} />
            </label>
            <label class="stacked">{t('push.quietEnd')}
              <input type="time" name="quiet_end" value={end} onInput={(e) => setEnd(e.currentTarget.value)} />
            </label>
          </div>
          <div class="actions">
            <button type="submit" class="btn primary" disabled={busy}>{t('push.quietSave')}</button>
            <button type="button" class="btn" disabled={busy} onClick={clearQuiet}>{t('push.quietClear')}</button>
          </div>
        </fieldset>
      </form>
      {feedback.ok && <p class="ok" role="status">{feedback.ok}</p>}
      {feedback.error && <p class="form-error" role="alert">{feedback.error}</p>}
    </div>
  );
}

/** Today, after sign-in: offer alerts once; never asks the browser by itself. */
export function PushPrompt() {
  const me = user.value;
  const [shown, setShown] = useState(() => Boolean(me) && push.shouldPrompt(me!.id));
  const [busy, feedback, run] = useAction();
  if (!me || (!shown && !feedback.ok && !feedback.error)) return null;
  if (!shown) {
    return (
      <div class="panel push-prompt" data-testid="push-prompt-result">
        {feedback.ok && <p class="ok" role="status">{feedback.ok}</p>}
        {feedback.error && <p class="form-error" role="alert">{feedback.error}</p>}
      </div>
    );
  }
  return (
    <section class="panel push-prompt" aria-labelledby="push-prompt-title" data-testid="push-prompt">
      <h2 id="push-prompt-title">{t('push.prompt.title')}</h2>
      <p>{t('push.prompt.body')}</p>
      <div class="actions">
        <button type="button" class="btn primary" disabled={busy} onClick={() => void run(async () => {
          try {
            return await turnOn();
          } finally {
            setShown(push.shouldPrompt(me.id) && push.pushState.value !== 'on');
          }
        })}>{t('push.turnOn')}</button>
        <button type="button" class="btn" disabled={busy} onClick={() => { push.notNow(me.id); setShown(false); }}>{t('push.prompt.notNow')}</button>
      </div>
      {feedback.error && <p class="form-error" role="alert">{feedback.error}</p>}
    </section>
  );
}
