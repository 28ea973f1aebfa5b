import type { ChannelRow } from '../data/reports';
import { num, t, tCode } from '../i18n';
import { Chart } from './Chart';
import { Panel } from './Report';
import { column } from '../logic/reports';

/** Contacts by channel as grouped bars: planned, done as planned, logged (Me and Team). */
export function ChannelsPanel({ id, channels, csv, testId }: {
  id: string; channels: ChannelRow[]; csv: { href: string; table: string }; testId: string;
}) {
  return (
    <Panel id={id} title={t('me.channels')} csv={csv}>
      <Chart title={t('me.channels')} caption={false} testId={testId} integer
        ticks={channels.map((c) => tCode('channel', c.channel))}
        series={[
          { label: t('reports.planned'), values: column(channels, 'planned'), bars: true, color: '--chart-4' },
          { label: t('reports.done'), values: column(channels, 'done'), bars: true, color: '--chart-3' },
          { label: t('reports.logged'), values: column(channels, 'logged'), bars: true, color: '--chart-1' },
        ]}
        format={num} />
    </Panel>
  );
}
