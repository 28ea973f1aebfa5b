// Contacts logged from Today in a tap or two (docs/calendar.md, "The contact loop"): a write
// is held on the device for a few seconds so Undo can take it back, then sent like every
// other write; a call started from the app asks for its result when the RM comes back.
import { signal } from '@preact/signals';
import { newClientId } from './outbox';
import { save, withdraw } from './outbox-state';
import { localInputValue, withOffset } from './time';

export const UNDO_MS = 6_000;

/** A confirmation at the foot of the screen, with Undo while the write is still held. */
export type Notice = { id: string; text: string; undoable: boolean };
export const notice = signal<Notice | null>(null);

export type ContactBody = {
  customer_id: number; channel: string; outcome: string; started_at: string;
  notes?: string | null; products_discussed?: unknown[]; follow_up_on?: string | null;
  follow_up_objective?: string | null; location?: Record<string, number> | null;
  plan_entry_id?: number | null;
};

/** Queue a new contact, held for Undo, and say so. */
export async function logContact(body: ContactBody, label: string, text: string, clientId = newClientId()): Promise<void> {
  const full = {
    notes: null, products_discussed: [], follow_up_on: null, follow_up_objective: null, location: null,
    plan_entry_id: null, ...body, replaces: null,
  };
  await save({ client_id: clientId, kind: 'interaction', body: full, customerId: body.customer_id, label, holdUntil: Date.now() + UNDO_MS });
  notice.value = { id: clientId, text, undoable: true };
}

/** Undo: the write goes if it has not left yet. False when it had. */
export async function undo(id: string): Promise<boolean> {
  const taken = await withdraw(id);
  if (notice.value?.id === id) notice.value = null;
  return taken;
}

// ----------------------------------------------------------------------------- calls

/** A call started with the app's call button, until its result is logged or waved away. */
export type PendingCall = {
  customerId: number; name: string; planEntryId: number | null; startedAt: string; startedMs: number; left: boolean;
};

const CALL_KEY = 'rm.pendingCall';
/** Past this, a call is too old to ask about: the RM logs it by hand if at all. */
export const CALL_MAX_AGE_MS = 2 * 3600_000;

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

function stored(now = Date.now()): PendingCall | null {
  try {
    const call = JSON.parse(storage()?.getItem(CALL_KEY) ?? 'null') as PendingCall | null;
    return call && now - call.startedMs < CALL_MAX_AGE_MS ? call : null;
  } catch {
    return null;
  }
}

function keep(call: PendingCall | null): void {
  if (call) storage()?.setItem(CALL_KEY, JSON.stringify(call));
  else storage()?.removeItem(CALL_KEY);
}

/** The call the app asks about now: one the RM left the app for, then came back from. */
export const askAbout = signal<PendingCall | null>(null);

/** The call button was tapped: the dialer takes over (the page goes hidden). */
export function callStarted(customerId: number, name: string, planEntryId: number | null, now = new Date()): void {
  keep({ customerId, name, planEntryId, startedAt: withOffset(localInputValue(now)), startedMs: now.getTime(), left: false });
}

/** The page was hidden or shown again. Coming back from a call, ask for its result; a
 * cold start after the system closed the app asks too. */
export function visibilityChanged(visible: boolean, now = Date.now()): void {
  const call = stored(now);
  if (!call) return;
  if (!visible) keep({ ...call, left: true });
  else if (call.left) askAbout.value = call;
}

export function resumeAfterColdStart(now = Date.now()): void {
  const call = stored(now);
  if (call?.left) askAbout.value = call;
}

/** The sheet was answered or waved away: do not ask again. */
export function forgetCall(): void {
  keep(null);
  askAbout.value = null;
}

/** One tap on an outcome: the call is logged (closing its plan entry) and held for Undo. */
export async function logCallResult(call: PendingCall, outcome: string, text: string): Promise<void> {
  forgetCall();
  await logContact({ customer_id: call.customerId, channel: 'call', outcome, started_at: call.startedAt, plan_entry_id: call.planEntryId },
    call.name, text);
}
