import { tCode } from '../i18n';

export function Chips({ segment, tier, status }: { segment: string; tier: string; status: string }) {
  return (
    <span class="chips">
      <span class={`chip seg-${segment}`}>{tCode('segment', segment)}</span>
      <span class={`chip tier-${tier}`}>{tCode('tier', tier)}</span>
      {status !== 'active' && <span class={`chip status-${status}`}>{tCode('status', status)}</span>}
    </span>
  );
}
