import { t } from '../i18n';

/** The end of an inline form: its error, Confirm and Cancel. */
export function FormActions({ error, onCancel }: { error: string | null; onCancel: () => void }) {
  return (
    <>
      {error && <p class="form-error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" class="btn primary">{t('plan.confirm')}</button>
        <button type="button" class="btn" onClick={onCancel}>{t('visit.cancel')}</button>
      </div>
    </>
  );
}
