// Who is signed in. The profile (not customer data) is kept so the app opens offline.
import { signal } from '@preact/signals';
import * as api from './api';
import { ApiError, OfflineError } from './api';
import * as cache from './cache';
import { setMeta } from './db';
import * as outbox from './outbox';
import { refresh as refreshOutbox, startSync } from './outbox-state';
import { requestPersistence } from './portfolio';
import { forgetDevice } from './push';

const PROFILE_KEY = 'rm.user';
// Where the previous version noted whose writes it kept after a 401 (now on each write)
const LEGACY_OUTBOX_OWNER_KEY = 'rm.outboxOwner';

export const user = signal<api.User | null>(null);
export const ready = signal(false);

/** Someone signed in on this device before: the app will open on their first screen. */
export function signedInHere(): boolean {
  return localStorage.getItem(PROFILE_KEY) !== null;
}

/** The profile saved at the last sign-in here, if any (and readable). */
function savedProfile(): api.User | null {
  try {
    return JSON.parse(localStorage.getItem(PROFILE_KEY) ?? 'null') as api.User | null;
  } catch {
    return null;
  }
}

/**
 * At app start. Someone signed in here: the app shell and their first screen draw at once
 * from the saved profile, as they do offline, while /auth/me confirms the session (its
 * screens fetch their data meanwhile; the session cookie goes with every request). A 401
 * signs the device out as before; other server errors show the sign-in form, as before.
 */
export async function restore(): Promise<void> {
  const saved = savedProfile();
  const keptFor = localStorage.getItem(LEGACY_OUTBOX_OWNER_KEY);
  if (keptFor) {
    // writes an earlier version kept when the server ended the session: still theirs
    await outbox.claimUnowned({ id: Number(keptFor), name: '' });
    localStorage.removeItem(LEGACY_OUTBOX_OWNER_KEY);
  }
  if (!saved) {
    // nobody signed in on this device: show the login form (and what waits to be sent)
    // without a doomed request
    ready.value = true;
    await refreshOutbox();
    return;
  }
  user.value = saved;
  ready.value = true;
  await outbox.setOwner(ownerOf(saved));
  startSync();
  try {
    const current = await api.me();
    const text = JSON.stringify(current);
    localStorage.setItem(PROFILE_KEY, text);
    if (text !== JSON.stringify(user.value)) user.value = current; // a changed name or role
    await setMeta('csrf', api.currentCsrf());
  } catch (error) {
    if (error instanceof OfflineError) return; // offline: the saved profile it is
    if (error instanceof ApiError && error.status === 401) await forget({ keepOutbox: true });
    else user.value = null;
  }
}

export async function signIn(username: string, password: string): Promise<void> {
  const signedIn = await api.login(username, password);
  const previousId = savedProfile()?.id;
  // someone else's cached customers go; their unsent writes stay, theirs to send
  if (previousId && previousId !== signedIn.id) await cache.wipe();
  localStorage.setItem(PROFILE_KEY, JSON.stringify(signedIn));
  await setMeta('csrf', api.currentCsrf());
  await outbox.setOwner(ownerOf(signedIn));
  user.value = signedIn;
  void requestPersistence();
  startSync();
}

const ownerOf = (who: api.User) => ({ id: who.id, name: who.display_name });

/** Remove everything this device holds about the user's customers. Unsent writes are never
 * wiped without the RM's consent: when the server ended the session (signed out elsewhere,
 * timed out, a password change, deactivated), they stay, and go once the same RM signs in
 * again; only the sign-out button, which asks first, discards them. Other users' unsent
 * writes always stay. */
async function forget({ keepOutbox = false } = {}): Promise<void> {
  await forgetDevice().catch(() => undefined); // no more alerts about these customers here
  const profile = savedProfile();
  if (profile) await outbox.claimUnowned(ownerOf(profile));
  if (!keepOutbox && profile) await outbox.discardOwnedBy(profile.id);
  localStorage.removeItem(PROFILE_KEY);
  user.value = null; // unmount the screens first, so none of them fetches and saves again
  await cache.wipe();
  await outbox.setOwner(null);
  await setMeta('csrf', undefined);
  await setMeta('lastSync', undefined);
  await refreshOutbox();
}

export async function signOut(): Promise<void> {
  // while the session still lets the server forget this device's subscription
  await forgetDevice().catch(() => undefined);
  try {
    await api.logout();
  } catch {
    // offline: the local data still goes; the server session expires on its own
  }
  await forget();
}
