// The outbox of offline writes (DESIGN §7). Runs in the page and in the service worker:
// no DOM here. Every write has its UUID from creation; a write is locked ('sending')
// while a request carries it, and leaves only when the server answered
// created/duplicate. A write left 'sending' by a closed page is sent again: the server
// answers a resend as it answered the first time.
import { db, getMeta, setMeta, type OutboxItem } from './db';

const BATCH = 50;

export type DrainOutcome = { sent: number; failed: boolean; offline: boolean };

export function newClientId(): string {
  return crypto.randomUUID();
}

export async function enqueue(item: Omit<OutboxItem, 'state' | 'createdAt' | 'attempts'>): Promise<OutboxItem> {
  const full: OutboxItem = { ...item, state: 'pending', createdAt: Date.now(), attempts: 0 };
  await (await db()).add('outbox', full);
  return full;
}

export async function items(): Promise<OutboxItem[]> {
  return (await db()).getAllFromIndex('outbox', 'createdAt');
}

export async function get(clientId: string): Promise<OutboxItem | undefined> {
  return (await db()).get('outbox', clientId);
}

export async function discard(clientId: string): Promise<void> {
  await (await db()).delete('outbox', clientId);
}

export async function lastSync(): Promise<number | undefined> {
  return getMeta<number>('lastSync');
}

/** Send everything unsent; one drainer at a time across tabs and the service worker. */
export async function drain(): Promise<DrainOutcome> {
  if (typeof navigator !== 'undefined' && navigator.locks) {
    return navigator.locks.request('rm-outbox-drain', () => drainNow());
  }
  return drainNow();
}

async function drainNow(): Promise<DrainOutcome> {
  const database = await db();
  const queue = (await database.getAllFromIndex('outbox', 'createdAt')).filter((i) => i.state === 'pending' || i.state === 'sending');
  const csrf = (await getMeta<string>('csrf')) ?? '';
  let sent = 0;
  for (let start = 0; start < queue.length; start += BATCH) {
    const batch = queue.slice(start, start + BATCH);
    await mark(batch, 'sending');
    let response: Response;
    try {
      response = await fetch('/api/v1/sync', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ writes: batch.map(({ client_id, kind, body, base_version }) => ({ client_id, kind, body, ...(base_version ? { base_version } : {}) })) }),
      });
    } catch {
      await mark(batch, 'pending');
      return { sent, failed: true, offline: true };
    }
    if (!response.ok) {
      await mark(batch, 'pending'); // signed out, server down: keep everything for later
      return { sent, failed: true, offline: false };
    }
    const { results } = (await response.json()) as { results: { client_id: string; status: string; error?: OutboxItem['error']; server?: Record<string, unknown> }[] };
    const answers = new Map(results.map((r) => [r.client_id, r]));
    const tx = database.transaction('outbox', 'readwrite');
    for (const item of batch) {
      const answer = answers.get(item.client_id);
      if (!answer) {
        void tx.store.put({ ...item, state: 'pending' });
      } else if (answer.status === 'created' || answer.status === 'duplicate') {
        void tx.store.delete(item.client_id);
        sent += 1;
      } else {
        void tx.store.put({ ...item, state: answer.status as OutboxItem['state'], error: answer.error, server: answer.server });
      }
    }
    await tx.done;
  }
  await setMeta('lastSync', Date.now());
  return { sent, failed: false, offline: false };
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

/** Resolve a conflict by sending my version again, based on the server's version. */
export async function keepMine(item: OutboxItem, body = item.body): Promise<void> {
  const serverVersion = Number(item.server?.version ?? 1);
  const target = (item.body.replaces as string | null | undefined) ?? item.client_id;
  const next = item.kind === 'interaction' ? { ...body, replaces: target } : body;
  await enqueue({ client_id: newClientId(), kind: item.kind, body: next, base_version: serverVersion, customerId: item.customerId, label: item.label });
  await discard(item.client_id);
}
