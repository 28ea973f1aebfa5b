// When start-up work runs. The first screen (Today) comes first: what it does not need to
// draw (sending the outbox, the unread count, the push subscription check, saving today's
// customer cards for offline use) waits until it has drawn and the browser is idle, and
// long jobs give the main thread back between steps, so no single task holds up a tap.
// No DOM here beyond feature checks: unit tests run it in Node.

type Scheduling = typeof globalThis & {
  requestIdleCallback?: (callback: () => void, options?: { timeout: number }) => number;
  scheduler?: { yield?: () => Promise<void> };
};

const scope = globalThis as Scheduling;

/** Longest wait for an idle moment, and for a first screen that never says it has drawn. */
const IDLE_TIMEOUT_MS = 2_000;
const FIRST_SCREEN_TIMEOUT_MS = 3_000;

/** Continue in a new task, so the browser can draw and handle input in between. */
export function yieldToMain(): Promise<void> {
  if (typeof scope.scheduler?.yield === 'function') return scope.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Resolve when the browser is idle, or after `timeout` ms at the latest. */
export function idle(timeout = IDLE_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve) => {
    if (typeof scope.requestIdleCallback === 'function') scope.requestIdleCallback(() => resolve(), { timeout });
    else setTimeout(resolve, 1);
  });
}

let markDrawn: () => void = () => undefined;
let drawn = new Promise<void>((resolve) => {
  markDrawn = resolve;
});
let fallback: ReturnType<typeof setTimeout> | undefined;

/** The first screen has drawn what it came for (Today: its plan, or why there is none). */
export function firstScreenDrawn(): void {
  markDrawn();
}

/**
 * Run `work` once the first screen has drawn (or FIRST_SCREEN_TIMEOUT_MS after the first
 * request, for a screen that does not say) and the browser is idle. Later calls wait only
 * for an idle moment.
 */
export function afterFirstScreen(work: () => unknown): void {
  fallback ??= setTimeout(markDrawn, FIRST_SCREEN_TIMEOUT_MS);
  void drawn.then(() => idle()).then(() => work());
}

/** Tests: start again as a page that has not drawn yet. */
export function resetFirstScreen(): void {
  clearTimeout(fallback);
  fallback = undefined;
  drawn = new Promise<void>((resolve) => {
    markDrawn = resolve;
  });
}
