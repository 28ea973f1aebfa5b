// What the measured page showed at the end of the load, kept in the Lighthouse report itself
// (audit "rm-screen", details.type "debugdata") so bench/lighthouse/report.py can refuse a
// figure taken on the wrong screen: a "Today" run that drew the sign-in form measures nothing.
import { Audit, Gatherer } from 'lighthouse';

/* global document, location, localStorage, navigator, performance */
/* c8 ignore start: runs in the page */
function screenShown() {
  const text = (selector) => document.querySelector(selector)?.textContent?.trim() ?? null;
  const [nav] = performance.getEntriesByType('navigation');
  const plan = performance.getEntriesByType('resource')
    .filter((e) => /\/api\/v1\/plan(\?|$)/.test(new URL(e.name).pathname + new URL(e.name).search))
    .map((e) => ({ url: e.name, status: e.responseStatus ?? null, transferSize: e.transferSize }));
  let profile = null;
  try {
    profile = JSON.parse(localStorage.getItem('rm.user') ?? 'null')?.username ?? null;
  } catch {
    profile = null;
  }
  return {
    url: location.href,
    h1: text('h1'),
    todayTitle: text('#today-title'),
    planDate: document.querySelector('[data-testid=plan-date]')?.getAttribute('data-date') ?? null,
    planEntries: document.querySelectorAll('.plan-list > li').length,
    todayList: Boolean(document.querySelector('[data-testid=today-list]')),
    loginForm: Boolean(document.querySelector('input[name=password]')),
    signedInProfile: profile,
    // 0 when no service worker took the navigation (cold), > 0 when one did (warm)
    navigationWorkerStart: nav ? nav.workerStart : null,
    navigationTransferSize: nav ? nav.transferSize : null,
    serviceWorkerController: navigator.serviceWorker?.controller?.scriptURL ?? null,
    planRequests: plan,
  };
}
/* c8 ignore stop */

export class ScreenShown extends Gatherer {
  meta = { supportedModes: ['navigation', 'snapshot', 'timespan'] };

  async getArtifact(context) {
    return context.driver.executionContext.evaluate(screenShown, { args: [], useIsolation: true });
  }
}

export class ScreenAudit extends Audit {
  static get meta() {
    return {
      id: 'rm-screen',
      title: 'RM Companion: the screen the load ended on',
      description: 'Headings, plan date, sign-in form and service worker use seen in the page after the load (bench/lighthouse/screen.mjs).',
      scoreDisplayMode: Audit.SCORING_MODES.INFORMATIVE,
      requiredArtifacts: ['ScreenShown'],
    };
  }

  static audit(artifacts) {
    return { score: null, details: { type: 'debugdata', ...artifacts.ScreenShown } };
  }
}
