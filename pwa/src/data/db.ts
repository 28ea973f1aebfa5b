// The one place where the device's IndexedDB schema is defined and migrated.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Card, CustomerPage, Plan } from './api';

export const DB_NAME = 'rm-companion';
const DB_VERSION = 3;

export type OutboxState = 'pending' | 'sending' | 'conflict' | 'invalid' | 'forbidden';

/** Who made a write: only their session sends it (docs/sync.md). */
export type OutboxOwner = { id: number; name: string };

export type OutboxItem = {
  client_id: string;
  kind: 'interaction' | 'plan_entry_state' | 'offer_feedback';
  body: Record<string, unknown>;
  base_version?: number;
  state: OutboxState;
  createdAt: number;
  sendingSince?: number;
  attempts: number;
  customerId?: number;
  label?: string; // what the outbox screen shows, e.g. the customer's name
  owner?: OutboxOwner; // absent on writes queued before owners were recorded
  alone?: boolean; // failed alone before (a 500, no answer): sent alone, after the others
  // reason: 'server-error' (sent again later) or 'rejected' (the server refused the request)
  error?: { message?: string; fields?: Record<string, unknown>; reason?: 'server-error' | 'rejected'; retryable?: boolean };
  server?: Record<string, unknown>;
  holdUntil?: number; // the Undo window of a one-tap write: not sent before this time (ms)
};

export interface Schema extends DBSchema {
  lists: { key: string; value: { key: string; page: CustomerPage; fetchedAt: number } };
  cards: { key: number; value: { id: number; card: Card; fetchedAt: number; openedAt: number }; indexes: { openedAt: number } };
  outbox: { key: string; value: OutboxItem; indexes: { createdAt: number } };
  meta: { key: string; value: { key: string; value: unknown } };
  // a day's plan, keyed "<rm or me>:<date or today>"
  plans: { key: string; value: { key: string; plan: Plan; fetchedAt: number } };
}

let dbPromise: Promise<IDBPDatabase<Schema>> | null = null;

export function db(): Promise<IDBPDatabase<Schema>> {
  dbPromise ??= openDB<Schema>(DB_NAME, DB_VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        database.createObjectStore('lists', { keyPath: 'key' });
        database.createObjectStore('cards', { keyPath: 'id' }).createIndex('openedAt', 'openedAt');
      }
      if (oldVersion < 2) {
        database.createObjectStore('outbox', { keyPath: 'client_id' }).createIndex('createdAt', 'createdAt');
        database.createObjectStore('meta', { keyPath: 'key' });
      }
      if (oldVersion < 3) {
        database.createObjectStore('plans', { keyPath: 'key' });
      }
    },
    blocking() {
      // a newer tab wants to upgrade: let it
      dbPromise?.then((d) => d.close());
      dbPromise = null;
    },
    terminated() {
      // the browser closed the database (storage pressure, a crash): reopen on next use
      dbPromise = null;
    },
  });
  return dbPromise;
}

export async function getMeta<T>(key: string): Promise<T | undefined> {
  return (await (await db()).get('meta', key))?.value as T | undefined;
}

export async function setMeta(key: string, value: unknown): Promise<void> {
  await (await db()).put('meta', { key, value });
}
