// The outbox of offline writes (DESIGN §7, docs/sync.md). Runs in the page and in the service
// worker: no DOM here. Every write has its UUID from creation; a write is locked ('sending')
// while a request carries it, and leaves only when the server answered created/duplicate.
// A write left 'sending' by a closed page is sent again: the server answers a resend as it
// answered the first time.
//
// Whose writes: each write belongs to the user who made it. Only that user's session sends
// it; another user signing in on the device neither sees nor sends it, and a server that
// ended the session (401) leaves it waiting for its owner's next sign-in.
import { db, getMeta, setMeta, type OutboxItem, type OutboxOwner } from './db';

const BATCH = 50;
/** A request that has not answered by then is given up, and its batch split like a 500's. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Answers that say "the server is not there" rather than "this batch is wrong": the whole
 * outbox waits, nothing is split. */
const SERVER_AWAY = new Set([0, 408, 429, 502, 503, 504]);
const SIGNED_OUT = new Set([401, 403]);

export type DrainOutcome = { sent: number; failed: boolean; offline: boolean; signedOut?: boolean };
type Stop = 'offline' | 'away' | 'signed-out';
type Answer = { client_id: string; status: string; error?: OutboxItem['error']; server?: Record<string, unknown> };

export function newClientId(): string {
  return crypto.randomUUID();
}

/** The signed-in user whose writes this device sends (set at sign-in, cleared at sign-out). */
export async function owner(): Promise<OutboxOwner | undefined> {
  return getMeta<OutboxOwner>('owner');
}

export async function setOwner(who: OutboxOwner | null): Promise<void> {
  await setMeta('owner', who ?? undefined);
}

const ownedBy = (who: OutboxOwner | undefined) => (item: OutboxItem) =>
  who !== undefined && (item.owner === undefined || item.owner.id === who.id);

type NewItem = Omit<OutboxItem, 'state' | 'createdAt' | 'attempts' | 'owner'>;

/**
 * Queue a write. The same client id twice (a double tap on Save: the form made its id when
 * it opened) keeps the first: one form, one write.
 */
export async function enqueue(item: NewItem): Promise<OutboxItem> {
  return enqueueReplacing(item, undefined);
}

/**
 * Queue an edit of a visit. `replacing` names the unsent edit it was made on, if any: that
 * edit is replaced, and the new one keeps its base version, the version both were really
 * made on. (Guessing "its base + 1" sent a second edit as based on a version it never saw,
 * and it overwrote another device's edit without a conflict.) An unsent new visit is not
 * replaced: the edit goes after it, based on version 1, which the visit creates.
 */
export async function enqueueReplacing(item: NewItem, replacing: string | undefined): Promise<OutboxItem> {
  const who = await owner();
  const tx = (await db()).transaction('outbox', 'readwrite');
  const existing = await tx.store.get(item.client_id);
  if (existing) {
    await tx.done;
    return existing;
  }
  const previous = replacing ? await tx.store.get(replacing) : undefined;
  // the send order is the order of creation: strictly increasing, so an edit made in the same
  // millisecond as its visit never goes first
  const last = await tx.store.index('createdAt').openCursor(null, 'prev');
  const createdAt = Math.max(Date.now(), (last?.value.createdAt ?? 0) + 1);
  const full: OutboxItem = { ...item, state: 'pending', createdAt, attempts: 0, ...(who ? { owner: who } : {}) };
  if (previous && previous.body.replaces) {
    full.base_version = previous.base_version;
    full.createdAt = previous.createdAt; // it takes the place of the edit it replaces
    void tx.store.delete(previous.client_id);
  }
  void tx.store.add(full);
  await tx.done;
  return full;
}

/** Everything on the device, whoever's (the sign-in screen counts what waits for whom). */
export async function allItems(): Promise<OutboxItem[]> {
  return (await db()).getAllFromIndex('outbox', 'createdAt');
}

/** The signed-in user's writes: all that screens show and that is sent. */
export async function items(): Promise<OutboxItem[]> {
  const who = await owner();
  return (await allItems()).filter(ownedBy(who));
}

export async function get(clientId: string): Promise<OutboxItem | undefined> {
  return (await db()).get('outbox', clientId);
}

export async function discard(clientId: string): Promise<void> {
  await (await db()).delete('outbox', clientId);
}

/** Take back a write still in its Undo window: true if it was, and is now gone. A write whose
 * window has passed may be on its way to the server already; it stays. */
export async function withdraw(clientId: string, now = Date.now()): Promise<boolean> {
  const tx = (await db()).transaction('outbox', 'readwrite');
  const item = await tx.store.get(clientId);
  const held = Boolean(item && item.state === 'pending' && (item.holdUntil ?? 0) > now);
  if (held) void tx.store.delete(clientId);
  await tx.done;
  return held;
}

/** Writes queued before owners were recorded belong to whoever was signed in then. */
export async function claimUnowned(who: OutboxOwner): Promise<void> {
  const tx = (await db()).transaction('outbox', 'readwrite');
  for (const item of await tx.store.getAll()) {
    if (!item.owner) void tx.store.put({ ...item, owner: who });
  }
  await tx.done;
}

/** The sign-out button, after the RM confirmed: their unsent writes go, nobody else's. */
export async function discardOwnedBy(ownerId: number): Promise<void> {
  const tx = (await db()).transaction('outbox', 'readwrite');
  for (const item of await tx.store.getAll()) {
    if (item.owner?.id === ownerId) void tx.store.delete(item.client_id);
  }
  await tx.done;
}

export async function lastSync(): Promise<number | undefined> {
  return getMeta<number>('lastSync');
}

async function exclusively<T>(work: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks) {
    return (await navigator.locks.request('rm-outbox-drain', work)) as T;
  }
  return work();
}

const offlineNow = () => typeof navigator !== 'undefined' && navigator.onLine === false;

/** Send everything unsent; one drainer at a time across tabs and the service worker. */
export async function drain(): Promise<DrainOutcome> {
  if (offlineNow()) return { sent: 0, failed: true, offline: true }; // no request can succeed
  return exclusively(drainNow);
}

async function drainNow(): Promise<DrainOutcome> {
  const who = await owner();
  const now = Date.now();
  const mine = (await allItems()).filter(ownedBy(who))
    .filter((i) => (i.state === 'pending' || i.state === 'sending') && !((i.holdUntil ?? 0) > now));
  // a write that failed alone before goes alone, after the others: it cannot hold them up
  const queue = [...mine.filter((i) => !i.alone), ...mine.filter((i) => i.alone)];
  const batches: OutboxItem[][] = [];
  for (const item of queue) {
    const last = batches[batches.length - 1];
    if (!last || last.length >= BATCH || item.alone || last[0].alone) batches.push([item]);
    else last.push(item);
  }
  let sent = 0;
  for (const batch of batches) {
    const { sent: n, stop } = await send(batch);
    sent += n;
    if (stop) return { sent, failed: true, offline: stop === 'offline', signedOut: stop === 'signed-out' };
  }
  await setMeta('lastSync', Date.now());
  return { sent, failed: false, offline: false };
}

/**
 * One request for the batch. A batch refused as a whole (a 500, 413, 422, no answer in
 * time) is split in halves and each half sent, so one poisoned write ends up alone, marked
 * with its reason, and everything else goes.
 */
async function send(batch: OutboxItem[]): Promise<{ sent: number; stop?: Stop }> {
  await mark(batch, 'sending');
  const csrf = (await getMeta<string>('csrf')) ?? '';
  let response: Response;
  try {
    response = await fetch('/api/v1/sync', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ writes: batch.map(({ client_id, kind, body, base_version }) => ({ client_id, kind, body, ...(base_version ? { base_version } : {}) })) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    if ((error as Error)?.name === 'TimeoutError') return refusedAsAWhole(batch, 0, undefined);
    await mark(batch, 'pending');
    return { sent: 0, stop: 'offline' };
  }
  if (response.ok) return { sent: await record(batch, response) };
  if (SIGNED_OUT.has(response.status) || SERVER_AWAY.has(response.status)) {
    await mark(batch, 'pending'); // signed out, server away: keep everything for later
    return { sent: 0, stop: SIGNED_OUT.has(response.status) ? 'signed-out' : 'away' };
  }
  const error = (await response.json().catch(() => undefined)) as OutboxItem['error'] | undefined;
  return refusedAsAWhole(batch, response.status, error);
}

async function refusedAsAWhole(batch: OutboxItem[], status: number, error: OutboxItem['error'] | undefined) {
  if (batch.length > 1) {
    const half = Math.ceil(batch.length / 2);
    const first = await send(batch.slice(0, half));
    if (first.stop) {
      await mark(batch.slice(half), 'pending');
      return first;
    }
    const second = await send(batch.slice(half));
    return { sent: first.sent + second.sent, stop: second.stop };
  }
  // alone: a request the server refuses for what it holds is invalid; one it failed on
  // (a 500, no answer) is tried again later, alone
  const rejected = status >= 400 && status < 500;
  await update(batch[0].client_id, (item) => ({
    ...item, state: rejected ? 'invalid' : 'pending', alone: !rejected, sendingSince: undefined,
    error: { message: error?.message, fields: error?.fields, reason: rejected ? 'rejected' : 'server-error' },
  }));
  return { sent: 0 };
}

async function record(batch: OutboxItem[], response: Response): Promise<number> {
  const { results } = (await response.json()) as { results: Answer[] };
  const answers = new Map(results.map((r) => [r.client_id, r]));
  const tx = (await db()).transaction('outbox', 'readwrite');
  let sent = 0;
  for (const item of batch) {
    const answer = answers.get(item.client_id);
    // answers go only to writes still here: one replaced by a newer edit meanwhile is gone
    const current = await tx.store.get(item.client_id);
    if (answer && (answer.status === 'created' || answer.status === 'duplicate')) {
      sent += 1;
      if (current) void tx.store.delete(item.client_id);
    } else if (!current) {
      continue;
    } else if (!answer || answer.status === 'error') {
      void tx.store.put({ ...current, state: 'pending', sendingSince: undefined, ...(answer ? { error: { ...answer.error, reason: 'server-error' } } : {}) });
    } else {
      void tx.store.put({ ...current, state: answer.status as OutboxItem['state'], sendingSince: undefined, alone: false, error: answer.error, server: answer.server });
    }
  }
  await tx.done;
  return sent;
}

async function update(clientId: string, change: (item: OutboxItem) => OutboxItem): Promise<void> {
  const tx = (await db()).transaction('outbox', 'readwrite');
  const current = await tx.store.get(clientId);
  if (current) void tx.store.put(change(current));
  await tx.done;
}

async function mark(batch: OutboxItem[], state: 'pending' | 'sending'): Promise<void> {
  const tx = (await db()).transaction('outbox', 'readwrite');
  for (const item of batch) {
    const current = await tx.store.get(item.client_id);
    if (current && (current.state === 'pending' || current.state === 'sending')) {
      void tx.store.put({ ...current, state, attempts: current.attempts + (state === 'sending' ? 1 : 0), sendingSince: state === 'sending' ? Date.now() : undefined });
    }
  }
  await tx.done;
}

/**
 * Ask the server again about a write in conflict, before the RM decides: the write is sent
 * once more, alone. A stale edit stays stale (versions only go up) and comes back with the
 * server's version as it is now, not as it was when the conflict first came back; a write
 * that has meanwhile become acceptable is simply stored.
 */
export async function recheck(clientId: string): Promise<OutboxItem | undefined> {
  if (offlineNow()) return get(clientId);
  return exclusively(async () => {
    const item = await get(clientId);
    if (!item || item.state !== 'conflict') return item;
    await update(clientId, (current) => ({ ...current, state: 'pending' }));
    const { stop } = await send([{ ...item, state: 'pending' }]);
    if (stop) await update(clientId, (current) => ({ ...current, state: 'conflict' }));
    return get(clientId);
  });
}

/** Resolve a conflict by sending my version again, based on the server's version. */
export async function keepMine(item: OutboxItem, body = item.body): Promise<void> {
  const serverVersion = Number(item.server?.version ?? 1);
  const target = (item.body.replaces as string | null | undefined) ?? item.client_id;
  const next = item.kind === 'interaction' ? { ...body, replaces: target } : body;
  await enqueue({ client_id: newClientId(), kind: item.kind, body: next, base_version: serverVersion, customerId: item.customerId, label: item.label });
  await discard(item.client_id);
}
